/**
 * Loads the server's face models once per thread, from the npm tarball on disk (never the network, never
 * tfjs-node, whose install downloads a native binary): @vladmandic/human's BlazeFace detector, 468-point mesh with
 * the iris refinement, `faceres` identity descriptor and `antispoof` / `liveness` presentation-attack models, on
 * tfjs with the WebAssembly backend. @vladmandic/face-api is no longer loaded: its ResNet-34 descriptor lost to
 * `faceres` on real pairs (docs/face-match-calibration.md), and its SSD detector (the old fallback for small printed
 * portraits, replaced by BlazeFace on tiles) cost a worker ≈ 64 MB of code and ≈ 100 MB of wasm heap.
 *
 * Two quirks of human's node-wasm build are handled here: its package `exports` map has no `./`-prefixed subpaths
 * (so the file is required by path), and it loads models with `fetch`, which in Node cannot read `file://`, so a tfjs
 * IO load router serves exactly human's model directory from disk.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { io as TfIo } from '@tensorflow/tfjs-core';
import type { Config as HumanConfig, Human } from '@vladmandic/human';

export type Tfjs = typeof import('@tensorflow/tfjs-core');

export type FaceAnalyzerErrorCode =
  | 'FACE_MODELS_UNAVAILABLE'
  | 'FACE_IMAGE_UNREADABLE'
  | 'FACE_ANALYSIS_CRASHED';

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

const require = createRequire(import.meta.url);

/** Directory of human's bundled weights (the npm tarball's `models/`). */
export function humanModelDirectory(): string {
  // `require.resolve` gives dist/human.node.js (the "node" condition) without loading it.
  return join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
}

export interface FaceModels {
  /** The tfjs instance human runs on (required the way human requires it, so there is one engine). */
  tf: Tfjs;
  human: Human;
  /** Milliseconds the load took. */
  loadMs: number;
}

let ready: Promise<FaceModels> | undefined;

/** Loads backend and models once per thread; later calls share the promise (a failure is not cached). */
export function loadFaceModels(): Promise<FaceModels> {
  ready ??= initialise().catch((cause) => {
    ready = undefined;
    throw new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', 'face models could not be loaded', { cause });
  });
  return ready;
}

async function initialise(): Promise<FaceModels> {
  const started = performance.now();
  // CommonJS, as human's node build requires them: one module instance, one engine.
  const tf = require('@tensorflow/tfjs-core') as Tfjs;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  // A local directory, so the backend never reaches for its CDN default.
  wasm.setWasmPaths(wasmDirectory());
  await tf.setBackend('wasm');
  await tf.ready();
  const human = await createHuman(tf, SERVER_HUMAN_FACE);
  return { tf, human, loadMs: performance.now() - started };
}

function wasmDirectory(): string {
  return `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
}

const off = { enabled: false } as const;

/**
 * What the server asks of human: BlazeFace (the fast detector: 256² input, ≈ 10 ms) with rotation correction (the
 * mesh and the descriptor see an upright face), the mesh with the iris model (it also refines the eyelid points:
 * without it a closed eye reads only ~30 % less open than an open one, with it ~60–70 %, enough to verify a blink),
 * the `faceres` description model (the identity descriptor: measured best of what ships in npm with a licence that
 * allows commercial use, docs/face-match-calibration.md) and the two presentation-attack models.
 */
export const SERVER_HUMAN_FACE = {
  enabled: true,
  detector: { rotation: true, maxDetected: 10, minConfidence: 0.3, return: false },
  mesh: { enabled: true },
  iris: { enabled: true },
  description: { enabled: true },
  emotion: off,
  antispoof: { enabled: true },
  liveness: { enabled: true },
  attention: off,
} as unknown as HumanConfig['face'];

const servedDirectories = new Set<string>();

/** Lets tfjs load models under `directory` (as file:// URLs) from disk; once per directory. */
export function serveModelDirectory(tf: Tfjs, directory: string): void {
  if (servedDirectories.has(directory)) return;
  registerDiskModelRouter(tf, directory);
  servedDirectories.add(directory);
}

/** A Human instance on the already initialised tfjs engine, models read from disk (used by benches too). */
export async function createHuman(tf: Tfjs, face: HumanConfig['face']): Promise<Human> {
  const directory = humanModelDirectory();
  serveModelDirectory(tf, directory);
  const { Human: HumanClass } = require(
    join(dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js'),
  ) as {
    Human: new (config: Partial<HumanConfig>) => Human;
  };
  const human = new HumanClass({
    backend: 'wasm',
    wasmPath: wasmDirectory(),
    modelBasePath: `${pathToFileURL(directory + sep).href}`,
    debug: false,
    async: false,
    cacheModels: false,
    // Every call is a different upload: never reuse a previous frame's result.
    cacheSensitivity: 0,
    face,
    body: off as HumanConfig['body'],
    hand: off as HumanConfig['hand'],
    object: off as HumanConfig['object'],
    gesture: off,
    segmentation: off as HumanConfig['segmentation'],
    filter: off as HumanConfig['filter'],
  });
  await human.load();
  return human;
}

/** The part of tfjs-converter's graph model API used here. */
interface GraphModelLike {
  inputs: Array<{ shape?: number[] }>;
  execute(input: unknown): unknown;
}

/** human's loaded models by name (`blazeface`, `facemesh`, `iris`, `faceres`, `antispoof`, `liveness`). */
function humanModels(human: Human): Record<string, GraphModelLike | null | undefined> {
  return (human.models as unknown as { models: Record<string, GraphModelLike | null | undefined> }).models;
}

/**
 * Runs every loaded model once on zeros of its input shape: the first inference of a tfjs model compiles its
 * kernels and packs its weights (XNNPACK) into the wasm heap, which would otherwise happen during a user's first
 * request. An analysis of an image without a face reaches only the detector, hence this.
 */
export function warmFaceModels(tf: Tfjs, human: Human): void {
  for (const model of Object.values(humanModels(human))) {
    const shape = model?.inputs[0]?.shape;
    if (!model || !shape) continue;
    const input = tf.zeros(shape.map((d) => (d > 0 ? d : 1)));
    const outputs = [model.execute(input)].flat() as Array<ReturnType<Tfjs['tensor']>>;
    tf.dispose([input, ...outputs]);
  }
}

/** Length of a `faceres` identity descriptor. */
export const DESCRIPTOR_LENGTH = 1024;

/**
 * `faceres`'s identity descriptor of one face crop: `crop` is `side`² RGB floats 0–255 (what human feeds it, see
 * face-alignment.ts). The model is human's, loaded with the others; the server runs it itself on the crop it aligned
 * rather than letting human run it on human's own crop.
 */
export async function describeFaceCrop(
  tf: Tfjs,
  human: Human,
  crop: Float32Array,
  side: number,
): Promise<Float32Array> {
  const model = humanModels(human).faceres;
  if (!model) throw new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', 'the descriptor model is not loaded');
  const input = tf.tensor4d(crop, [1, side, side, 3]);
  const outputs = [model.execute(input)].flat() as Array<ReturnType<Tfjs['tensor']>>;
  try {
    // Its outputs are age (1×100), gender (1×1) and the descriptor (1×1024).
    const descriptor = outputs.find((o) => o.shape[1] === DESCRIPTOR_LENGTH);
    if (!descriptor)
      throw new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', 'the descriptor model has no descriptor');
    return Float32Array.from(await descriptor.data());
  } finally {
    input.dispose();
    tf.dispose(outputs);
  }
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
          weightsManifest: Array<{ paths: string[]; weights: TfIo.WeightsManifestEntry[] }>;
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
