/**
 * Server-side face analysis: detection, 68-point landmarks and a 128-d identity descriptor per face, computed on
 * the stored pixels (never the client's word), with @vladmandic/face-api on tfjs's WebAssembly backend. Weights
 * come from the npm tarball and are read from disk; the wasm binaries are loaded from node_modules; nothing is
 * fetched from the network, and never tfjs-node (its install downloads a native binary).
 *
 * Why face-api for detection and identity, and @vladmandic/human only for the mesh: face-api loads its weights with
 * `loadFromDisk`, and its ResNet-34 descriptor (the dlib face-recognition model, 99.38% on LFW) separates our genuine
 * and impostor pairs (see docs/face-match-calibration.md). human 3.3.6 adds what face-api lacks, the 468-point
 * face mesh with the topology of MediaPipe's (so the server runs the same `analysis/face-geometry.ts` functions as
 * the widget), at ≈ 0.2 s per image; it is loaded only when a caller asks for the mesh (`{ mesh: true }`), so the
 * face match never pays for it. Two quirks of human's node-wasm build are handled here: its package `exports` map
 * has no `./`-prefixed subpaths (so the file is required by path), and it loads models with `fetch`, which in Node
 * cannot read `file://`, so a tfjs IO load router serves exactly human's model directory from disk. Both libraries
 * share the one tfjs engine (a single @tensorflow/tfjs-core in node_modules), hence one backend and one queue.
 *
 * One process-wide analyzer: one init promise (face-api models ≈ 12 MB, mesh ≈ 2 MB, loaded once, lazily, on first
 * use) and inference serialized through a queue, because tfjs keeps global engine state (scopes, backend) that
 * concurrent async inference would interleave. The input tensor is disposed in `finally`; the libraries dispose
 * their own intermediates (the tests check that the live tensor count stays flat).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { io as TfIo } from '@tensorflow/tfjs-core';
import type { Config as HumanConfig, Human } from '@vladmandic/human';
import { threadId, Worker } from 'node:worker_threads';
import sharp from 'sharp';
import type { Landmark } from '../../analysis/types.js';

/** Axis-aligned box in pixels of the analysed image (after EXIF orientation and any downscaling, see `scale`). */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  box: FaceBox;
  /** Detector confidence 0–1. */
  score: number;
  /** 128-d identity embedding; compare two with `faceDistance`. */
  descriptor: Float32Array;
  /** The 68 iBUG landmarks, in the same pixels as `box`. */
  landmarks68: Array<{ x: number; y: number }>;
  /**
   * The 468-point face mesh (MediaPipe topology), only with `{ mesh: true }` and when human found the same face.
   * Normalised like MediaPipe's landmarks: x / width, y / height, z on the x scale; feed it to
   * `analysis/face-geometry.ts` with `frameAspect = width / height`.
   */
  mesh468?: Landmark[];
}

export interface FaceAnalysis {
  /** Size of the image the boxes refer to. */
  width: number;
  height: number;
  /** Factor from original to analysed pixels (≤ 1; large images are downscaled before detection). */
  scale: number;
  faces: DetectedFace[];
}

export interface DetectFacesOptions {
  /** Detector confidence below which a candidate is dropped (default 0.5). */
  minConfidence?: number;
  /** Also compute the 468-point mesh of each face (loads @vladmandic/human on first use). */
  mesh?: boolean;
}

export type FaceAnalyzerErrorCode = 'FACE_MODELS_UNAVAILABLE' | 'FACE_IMAGE_UNREADABLE';

export class FaceAnalyzerError extends Error {
  override readonly name = 'FaceAnalyzerError';
  constructor(
    readonly code: FaceAnalyzerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Longest side fed to the detector. SSD MobileNet resizes to 512² internally, so more pixels only cost decode time
 * and memory; the descriptor is taken from a 150² crop, which a face of ≥ 60 px at this size already fills.
 */
export const MAX_ANALYSIS_SIDE = 1280;
const DEFAULT_MIN_CONFIDENCE = 0.5;

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');
/** face-api re-exports the one tfjs instance it was loaded with; its own typing of it is partial. */
type Tfjs = typeof import('@tensorflow/tfjs-core');
const tfjsOf = (faceapi: FaceApi) => faceapi.tf as unknown as Tfjs;

const require = createRequire(import.meta.url);

let ready: Promise<FaceApi> | undefined;
let meshReady: Promise<Human> | undefined;
let queue: Promise<unknown> = Promise.resolve();
let loadMs: number | undefined;

/** Directory of face-api's bundled weights (the npm tarball's `model/`). */
export function faceModelDirectory(): string {
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

async function initialise(): Promise<FaceApi> {
  const started = performance.now();
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // A local directory, so the backend never reaches for its CDN default.
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    const faceapi = (await import('@vladmandic/face-api/dist/face-api.node-wasm.js')) as FaceApi;
    await tfjsOf(faceapi).setBackend('wasm');
    await tfjsOf(faceapi).ready();
    const dir = faceModelDirectory();
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
    loadMs = performance.now() - started;
    return faceapi;
  } catch (cause) {
    ready = undefined; // let a later call try again rather than caching the failure forever
    throw new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', 'face models could not be loaded', { cause });
  }
}

/** Loads the backend and models once per process; later calls share the same promise. */
export function loadFaceAnalyzer(): Promise<FaceApi> {
  ready ??= initialise();
  return ready;
}

/** Directory of human's bundled weights (the npm tarball's `models/`). */
export function meshModelDirectory(): string {
  // `require.resolve` gives dist/human.node.js (the "node" condition) without loading it.
  return join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
}

/** Serves tfjs model URLs under `directory` (as file:// URLs) from disk; other URLs are left to other handlers. */
function registerDiskModelRouter(tf: Tfjs, directory: string): void {
  const prefix = pathToFileURL(directory + sep).href;
  // tfjs types a router as always answering a handler; at run time `null` means "not mine".
  const router = (url: string | string[]): TfIo.IOHandler | null => {
    if (typeof url !== 'string' || !url.startsWith(prefix)) return null;
    return {
      async load() {
        const path = fileURLToPath(url);
        const model = JSON.parse(await readFile(path, 'utf8')) as {
          modelTopology: object;
          weightsManifest: Array<{
            paths: string[];
            weights: import('@tensorflow/tfjs-core').io.WeightsManifestEntry[];
          }>;
          format?: string;
          generatedBy?: string;
          convertedBy?: string | null;
          signature?: object;
          userDefinedMetadata?: Record<string, object>;
        };
        const shards: Buffer[] = [];
        for (const group of model.weightsManifest) {
          for (const shard of group.paths) shards.push(await readFile(join(dirname(path), shard)));
        }
        const weights = Buffer.concat(shards);
        return {
          modelTopology: model.modelTopology,
          weightSpecs: model.weightsManifest.flatMap((group) => group.weights),
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
          ...(model.format ? { format: model.format } : {}),
          ...(model.generatedBy ? { generatedBy: model.generatedBy } : {}),
          ...(model.convertedBy ? { convertedBy: model.convertedBy } : {}),
          ...(model.signature ? { signature: model.signature } : {}),
          ...(model.userDefinedMetadata ? { userDefinedMetadata: model.userDefinedMetadata } : {}),
        };
      },
    };
  };
  tf.io.registerLoadRouter(router as Parameters<Tfjs['io']['registerLoadRouter']>[0]);
}

async function initialiseMesh(): Promise<Human> {
  const faceapi = await loadFaceAnalyzer();
  try {
    const directory = meshModelDirectory();
    registerDiskModelRouter(tfjsOf(faceapi), directory);
    const { Human: HumanClass } = require(
      join(dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js'),
    ) as {
      Human: new (config: Partial<HumanConfig>) => Human;
    };
    const off = { enabled: false } as const;
    const human = new HumanClass({
      backend: 'wasm',
      wasmPath: `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`,
      modelBasePath: `${pathToFileURL(directory + sep).href}`,
      debug: false,
      async: false,
      cacheModels: false,
      // Every call is a different upload: never reuse a previous frame's result.
      cacheSensitivity: 0,
      face: {
        enabled: true,
        detector: { rotation: false, maxDetected: 10, minConfidence: 0.3, return: false },
        mesh: { enabled: true },
        // The iris model also refines the eyelid points of the mesh: without it a closed eye reads only ~30 % less
        // open than an open one, with it ~60–70 % (measured on the liveness fixtures), enough to verify a blink.
        iris: { enabled: true },
        description: off,
        emotion: off,
        antispoof: off,
        liveness: off,
        attention: off,
      } as HumanConfig['face'],
      body: off as HumanConfig['body'],
      hand: off as HumanConfig['hand'],
      object: off as HumanConfig['object'],
      gesture: off,
      segmentation: off as HumanConfig['segmentation'],
      filter: off as HumanConfig['filter'],
    });
    await human.load();
    return human;
  } catch (cause) {
    meshReady = undefined;
    throw new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', 'face mesh model could not be loaded', { cause });
  }
}

/** Loads the mesh model (and the analyzer) once per process. */
export function loadFaceMesh(): Promise<Human> {
  meshReady ??= initialiseMesh();
  return meshReady;
}

/** Milliseconds the one-time model load took, once it has finished (for benchmarks and metrics). */
export function faceAnalyzerLoadMs(): number | undefined {
  return loadMs;
}

/** Live tfjs tensors; stays constant across analyses when nothing leaks. */
export async function liveTensorCount(): Promise<number> {
  const faceapi = await loadFaceAnalyzer();
  return tfjsOf(faceapi).memory().numTensors;
}

function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

async function decode(
  image: Buffer,
): Promise<{ pixels: Buffer; width: number; height: number; scale: number }> {
  try {
    const meta = await sharp(image).metadata();
    // EXIF orientations 5–8 swap the axes once `.rotate()` has applied them.
    const swapped = (meta.orientation ?? 1) >= 5;
    const width = (swapped ? meta.height : meta.width) ?? 0;
    const height = (swapped ? meta.width : meta.height) ?? 0;
    const longest = Math.max(width, height);
    const scale = longest > MAX_ANALYSIS_SIDE ? MAX_ANALYSIS_SIDE / longest : 1;
    const oriented = sharp(image).rotate();
    const pipeline =
      scale < 1
        ? oriented.resize({ width: Math.round(width * scale), height: Math.round(height * scale) })
        : oriented;
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { pixels: data, width: info.width, height: info.height, scale };
  } catch (cause) {
    throw new FaceAnalyzerError('FACE_IMAGE_UNREADABLE', 'image could not be decoded for face analysis', {
      cause,
    });
  }
}

/**
 * All faces in a JPEG or PNG, largest first, each with box, score, landmarks and descriptor. "No face" is an empty
 * list, not an error.
 */
export async function analyzeFaces(image: Buffer, opts: DetectFacesOptions = {}): Promise<FaceAnalysis> {
  if (faceThread) return faceThread.analyze(image, opts);
  return analyzeFacesInThisThread(image, opts);
}

/**
 * Where analyses run. tfjs on wasm computes synchronously between its awaits, so in the server's own thread one
 * analysis stops every other request for up to ~0.7 s (measured on 2 cores). `idv-server serve` therefore moves the
 * models into a worker thread (`runFaceAnalysisInWorker`); tests and tools that call the analyzer directly keep it
 * in their thread, where `loadFaceAnalyzer` / `liveTensorCount` can see it.
 */
let faceThread: FaceAnalysisThread | undefined;

/** From now on `analyzeFaces` / `detectFaces` run in one worker thread of this process (models loaded there). */
export function runFaceAnalysisInWorker(): void {
  faceThread ??= new FaceAnalysisThread();
}

/** Ends the worker thread (tests; the server process simply exits): analyses run in this thread again. */
export async function stopFaceAnalysisThread(): Promise<void> {
  const thread = faceThread;
  faceThread = undefined;
  await thread?.terminate();
}

/** The thread id analyses run on (`0` = the main thread): for tests and metrics. */
export async function faceAnalysisThreadId(): Promise<number> {
  return faceThread ? faceThread.threadId() : threadId;
}

interface FaceThreadReply {
  id: number;
  result?: FaceAnalysis;
  threadId?: number;
  error?: { code?: FaceAnalyzerErrorCode; message: string };
}

class FaceAnalysisThread {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, (reply: FaceThreadReply) => void>();

  constructor() {
    // A plain-JS entry that registers tsx, then loads face-analysis-worker.ts.
    this.worker = new Worker(new URL('./face-analysis-thread.mjs', import.meta.url));
    // Never keeps the process alive on its own: the server's lifetime decides.
    this.worker.unref();
    this.worker.on('message', (reply: FaceThreadReply) => {
      const settle = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      settle?.(reply);
    });
    this.worker.on('error', (cause) => this.failAll(cause));
    this.worker.on('exit', () => this.failAll(new Error('face analysis thread exited')));
  }

  private failAll(cause: unknown): void {
    for (const settle of this.pending.values())
      settle({ id: -1, error: { code: 'FACE_MODELS_UNAVAILABLE', message: String(cause) } });
    this.pending.clear();
    if (faceThread === this) faceThread = undefined;
  }

  private request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<FaceThreadReply> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  async analyze(image: Buffer, opts: DetectFacesOptions): Promise<FaceAnalysis> {
    // A copy, transferred: the caller keeps its buffer.
    const bytes = new Uint8Array(image).buffer;
    const reply = await this.request({ type: 'analyze', image: bytes, opts }, [bytes]);
    if (reply.error) {
      // Coded errors keep their code; anything else stays a plain failure, as it would in this thread.
      if (reply.error.code) throw new FaceAnalyzerError(reply.error.code, reply.error.message);
      throw new Error(reply.error.message);
    }
    return reply.result!;
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  async threadId(): Promise<number> {
    return (await this.request({ type: 'thread-id' })).threadId ?? -1;
  }
}

/** The analysis itself, in the calling thread (the worker thread calls this). */
export async function analyzeFacesInThisThread(
  image: Buffer,
  opts: DetectFacesOptions = {},
): Promise<FaceAnalysis> {
  const faceapi = await loadFaceAnalyzer();
  const human = opts.mesh ? await loadFaceMesh() : undefined;
  const { pixels, width, height, scale } = await decode(image);
  const { found, meshes } = await serialized(async () => {
    const input = faceapi.tf.tensor3d(
      new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length),
      [height, width, 3],
      'int32',
    );
    try {
      const found = await faceapi
        .detectAllFaces(
          input as unknown as Parameters<FaceApi['detectAllFaces']>[0],
          new faceapi.SsdMobilenetv1Options({ minConfidence: opts.minConfidence ?? DEFAULT_MIN_CONFIDENCE }),
        )
        .withFaceLandmarks()
        .withFaceDescriptors();
      const meshes = human
        ? (await human.detect(input as unknown as Parameters<Human['detect']>[0])).face.map((f) => ({
            box: { x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3] },
            mesh: f.mesh,
          }))
        : [];
      return { found, meshes };
    } finally {
      input.dispose();
    }
  });
  const faces = found
    .map((f): DetectedFace => {
      const box = {
        x: f.detection.box.x,
        y: f.detection.box.y,
        width: f.detection.box.width,
        height: f.detection.box.height,
      };
      const mesh = meshes.find((m) => m.mesh.length >= 468 && overlap(box, m.box) >= MESH_MATCH_MIN_IOU);
      return {
        box,
        score: f.detection.score,
        descriptor: f.descriptor,
        landmarks68: f.landmarks.positions.map((p) => ({ x: p.x, y: p.y })),
        ...(mesh
          ? {
              mesh468: mesh.mesh
                .slice(0, 468)
                .map(([x, y, z]) => ({ x: x / width, y: y / height, z: (z ?? 0) / width })),
            }
          : {}),
      };
    })
    .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  return { width, height, scale, faces };
}

/**
 * The two detectors frame a face differently (face-api's box is tight on the features, human's square box
 * includes the forehead), so the same face overlaps by ≈ 0.4–0.6 IoU while neighbours in a group photo overlap by ~0.
 */
const MESH_MATCH_MIN_IOU = 0.25;

function overlap(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** The faces of `analyzeFaces`, largest first. */
export async function detectFaces(image: Buffer, opts: DetectFacesOptions = {}): Promise<DetectedFace[]> {
  return (await analyzeFaces(image, opts)).faces;
}

/** Euclidean distance between two descriptors: ~0 same image, < ~0.5 same person, > ~0.6 different people. */
export function faceDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError('descriptors differ in length');
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum);
}
