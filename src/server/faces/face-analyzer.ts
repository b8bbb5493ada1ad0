/**
 * Server-side face analysis of one stored image: every face with its box, a 1024-d identity descriptor (human's
 * `faceres`), the 468-point mesh (MediaPipe topology, so the server runs the same `analysis/face-geometry.ts` math as
 * the widget) and two presentation-attack scores. Computed on the stored pixels, never the client's word; models
 * from face-models.ts.
 *
 * Where the faces are, measured on real faces (docs/face-match-calibration.md, `npm run bench -- faces-real`):
 * 1. human's BlazeFace on the image scaled to ≤ 640 px with a grey border (BORDER): a few ms, and it finds selfies,
 *    liveness frames, rectified cards and tight crops (a face filling the frame, like an ID photo cut to the head or
 *    ORL's 92×112; face-api's SSD, the detector before, found 7 of 60 such crops and took ≈ 300 ms an image);
 * 2. when it finds nothing, BlazeFace on overlapping 384 px tiles of the image: a small printed portrait in a photo of
 *    a whole ID card that BlazeFace's 256² view of the whole image shrinks away.
 * Then each face is described on its own region (`describeRegion`), whichever pass found it.
 *
 * One analysis at a time per thread: tfjs keeps global engine state (scopes, backend) that concurrent async inference
 * would interleave. The server runs these in a pool of worker threads (face-analysis.ts); tests and tools call them
 * in their own thread.
 */
import { threadId } from 'node:worker_threads';
import type { Human } from '@vladmandic/human';
import sharp from 'sharp';
import type { Landmark } from '../../analysis/types.js';
import {
  alignedCrop,
  DESCRIPTOR_INPUT_SIDE,
  type MeshPoint,
  type RgbImage,
  warpCrop,
} from './face-alignment.js';
import { describeFaceCrop, FaceAnalyzerError, loadFaceModels, type Tfjs } from './face-models.js';

export { FaceAnalyzerError, type FaceAnalyzerErrorCode } from './face-models.js';

/** Axis-aligned box in pixels of the analysed image (after EXIF orientation and any downscaling, see `scale`). */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type FaceDetector = 'blazeface' | 'blazeface-tiles';

/** Where a face is: what locating finds (`locateFacesInThisThread`), and the start of a described face. */
export interface LocatedFace {
  box: FaceBox;
  /** Detector confidence 0–1. */
  score: number;
  /** Which detector pass found it (see the module comment). */
  detector: FaceDetector;
}

export interface DetectedFace extends LocatedFace {
  /**
   * 1024-d identity embedding (`faceres`, on the face aligned from its mesh: see `alignedFaceCrop`); compare two with
   * `faceDistance`. Biometric data: never logged or stored.
   */
  descriptor: Float32Array;
  /**
   * The 468-point face mesh (MediaPipe topology) when human's mesh model measured this face. Normalised like
   * MediaPipe's landmarks: x / width, y / height, z on the x scale; feed it to `analysis/face-geometry.ts` with
   * `frameAspect = width / height`.
   */
  mesh468?: Landmark[];
  /**
   * human's presentation-attack models on this face, 0–1, higher = more likely a live face: `antispoof` (trained
   * on printed and screen attacks) and `liveness` (recapture artefacts). Inputs to the liveness capability, with
   * thresholds measured in docs/liveness.md.
   */
  presentationAttack?: { antispoof: number; liveness: number };
}

/** The faces located in an image (`locateFacesInThisThread`). */
export interface FaceLocations {
  /** Size of the image the boxes refer to. */
  width: number;
  height: number;
  /** Factor from original to analysed pixels (≤ 1; large images are downscaled before detection). */
  scale: number;
  faces: LocatedFace[];
}

/** The faces of an image with everything the server needs of them (`analyzeFacesInThisThread`). */
export interface FaceAnalysis extends FaceLocations {
  faces: DetectedFace[];
}

/**
 * Longest side analysed. BlazeFace sees 256² and a face is described at ≤ REGION_SIDE, so more pixels only cost
 * decode time and memory; a face of ≥ 90 px at this size already fills the descriptor's 224² crop.
 */
export const MAX_ANALYSIS_SIDE = 1280;
/** At most this many faces are described (a crowd needs no more to be MULTIPLE_PEOPLE). */
const MAX_FACES = 10;
/** Grey border around the image BlazeFace locates faces in: without it, 27 of ORL's 400 tight crops had no face. */
const BORDER = 0.25;

/** Milliseconds the one-time model load of this thread took, once it has finished. */
let loadMs: number | undefined;
export function faceAnalyzerLoadMs(): number | undefined {
  return loadMs;
}

/** Loads the models of this thread once. */
export async function loadFaceAnalyzer(): Promise<Tfjs> {
  const models = await loadFaceModels();
  loadMs ??= models.loadMs;
  return models.tf;
}

/** Live tfjs tensors in this thread; stays constant across analyses when nothing leaks. */
export async function liveTensorCount(): Promise<number> {
  return (await loadFaceAnalyzer()).memory().numTensors;
}

let queue: Promise<unknown> = Promise.resolve();
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

interface DecodedImage {
  pixels: Buffer;
  width: number;
  height: number;
  scale: number;
}

async function decode(image: Buffer): Promise<DecodedImage> {
  try {
    const meta = await sharp(image).metadata();
    // EXIF orientations 5–8 swap the axes once `.rotate()` has applied them.
    const swapped = (meta.orientation ?? 1) >= 5;
    const width = (swapped ? meta.height : meta.width) ?? 0;
    const height = (swapped ? meta.width : meta.height) ?? 0;
    const longest = Math.max(width, height);
    const scale = longest > MAX_ANALYSIS_SIDE ? MAX_ANALYSIS_SIDE / longest : 1;
    const oriented = sharp(image, { failOn: 'error' }).rotate();
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

/** The image with a grey border of `pad` pixels on every side (see BORDER). */
function padded(image: DecodedImage, pad: number): DecodedImage {
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const pixels = Buffer.alloc(width * height * 3, 128);
  for (let y = 0; y < image.height; y++) {
    image.pixels.copy(pixels, ((y + pad) * width + pad) * 3, y * image.width * 3, (y + 1) * image.width * 3);
  }
  return { pixels, width, height, scale: image.scale };
}

interface Candidate {
  box: FaceBox;
  score: number;
  mesh?: Array<[number, number, number?]>;
  presentationAttack?: { antispoof: number; liveness: number };
}

type Tensor3D = ReturnType<Tfjs['tensor3d']>;

function tensorOf(tf: Tfjs, image: DecodedImage): Tensor3D {
  return tf.tensor3d(
    new Uint8Array(image.pixels.buffer, image.pixels.byteOffset, image.pixels.length),
    [image.height, image.width, 3],
    'int32',
  );
}

/** Runs `task` on a tensor of `image` and disposes the tensor. */
async function withTensor<T>(tf: Tfjs, image: DecodedImage, task: (t: Tensor3D) => Promise<T>): Promise<T> {
  const input = tensorOf(tf, image);
  try {
    return await task(input);
  } finally {
    input.dispose();
  }
}

/**
 * Per-call configs. human merges a call's config into its own for good, so every switch is always passed: only
 * BlazeFace to locate faces; to describe one, BlazeFace, the mesh with the iris model and the presentation-attack
 * models, while the descriptor model runs here on the aligned crop (`describeAligned`), not on human's own crop.
 */
const modelsEnabled = (enabled: boolean) =>
  ({
    face: {
      mesh: { enabled },
      iris: { enabled },
      description: { enabled: false },
      antispoof: { enabled },
      liveness: { enabled },
    },
  }) as unknown as Parameters<Human['detect']>[1];
const LOCATE_ONLY = modelsEnabled(false);
const DESCRIBE = modelsEnabled(true);

async function blazeFaces(
  human: Human,
  input: Tensor3D,
  config: Parameters<Human['detect']>[1],
): Promise<Candidate[]> {
  const result = await human.detect(input as unknown as Parameters<Human['detect']>[0], config);
  return result.face.map((f) => ({
    box: { x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3] },
    score: f.boxScore ?? f.score,
    ...(f.mesh.length >= 468 ? { mesh: f.mesh as Array<[number, number, number?]> } : {}),
    ...(f.real !== undefined && f.live !== undefined
      ? { presentationAttack: { antispoof: f.real, liveness: f.live } }
      : {}),
  }));
}

/**
 * Bench-only: sees the region and mesh of every face described in this thread, after it is described, so the
 * calibration bench (`IDV_BENCH_FACES_SWEEP=1 npm run bench -- faces-real`, in the bench's own thread) can compute
 * other crops' descriptors on them. Nothing in the server or its workers sets it; unset it is one undefined check.
 */
export type DescribedRegionObserver = (
  view: RgbImage,
  mesh: readonly MeshPoint[],
  descriptor: Float32Array,
) => Promise<void>;
let describedRegionObserver: DescribedRegionObserver | undefined;
export function observeDescribedRegions(observer: DescribedRegionObserver | undefined): void {
  describedRegionObserver = observer;
}

/** How much of a face the analysis computes: where it is, or everything (descriptor, mesh, presentation attack). */
type Depth = 'locate' | 'describe';

/**
 * All faces in a JPEG or PNG, largest first, with everything the server needs of them. "No face" is an empty list,
 * not an error; an image that does not decode is `FACE_IMAGE_UNREADABLE`.
 */
export async function analyzeFacesInThisThread(image: Buffer): Promise<FaceAnalysis> {
  return (await analyzeInThisThread(image, 'describe')) as FaceAnalysis;
}

/**
 * Where the faces of a JPEG or PNG are, largest first: the boxes and the detectors of `analyzeFacesInThisThread`
 * (the same passes and regions) without describing the faces, for "is there a face, how large, where" (document
 * checks): ≈ 10 ms a face instead of ≈ 150.
 */
export function locateFacesInThisThread(image: Buffer): Promise<FaceLocations> {
  return analyzeInThisThread(image, 'locate');
}

async function analyzeInThisThread(image: Buffer, depth: Depth): Promise<FaceLocations> {
  const { tf, human } = await loadFaceModels();
  loadMs ??= (await loadFaceModels()).loadMs;
  const decoded = await decode(image);
  const faces = await serialized(() => facesIn(tf, human, decoded, depth));
  return {
    width: decoded.width,
    height: decoded.height,
    scale: decoded.scale,
    faces: faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height),
  };
}

/**
 * BlazeFace's input side: it squashes whatever it is given to 256² (bilinear, no anti-aliasing). The locating pass
 * hands it an image already that size, scaled by sharp: BlazeFace sees the same view, and tfjs's wasm heap (which
 * never shrinks) is not grown by a large input tensor: a 960×800 bordered photo grew it from 40 to 69 MB.
 */
const BLAZEFACE_INPUT_SIDE = 256;
/** Images larger than this get the tiled pass when the whole view finds no face. */
const TILED_ABOVE_SIDE = 640;
/** Longest side a face's region is analysed at: the face then spans ≈ 200 px, the descriptor's crop is 224². */
const REGION_SIDE = 480;
/** Side of a face's region, in face-box sides: the aligned crop and human's own crop fit inside it. */
const REGION_PER_FACE = 2.4;

async function facesIn(tf: Tfjs, human: Human, image: DecodedImage, depth: Depth): Promise<LocatedFace[]> {
  let detector: FaceDetector = 'blazeface';
  let located = await locateWithBlazeFace(tf, human, image);
  if (located.length === 0) {
    detector = 'blazeface-tiles';
    located = await blazeFacesInTiles(tf, human, image);
  }
  const faces: LocatedFace[] = [];
  for (const where of located.slice(0, MAX_FACES)) {
    const face = await describeRegion(tf, human, image, where.box, depth);
    if (face) faces.push({ ...face, detector });
  }
  return faces;
}

/**
 * BlazeFace on the image with a grey border (BORDER), both scaled to BlazeFace's input size: boxes in the image's
 * pixels. The border lets it find faces that fill the frame (tight ID-photo crops).
 */
async function locateWithBlazeFace(tf: Tfjs, human: Human, image: DecodedImage): Promise<Candidate[]> {
  const small = await scaled(image, Math.round(BLAZEFACE_INPUT_SIDE / (1 + 2 * BORDER)));
  const pad = Math.round(BORDER * Math.max(small.width, small.height));
  const found = await withTensor(tf, padded(small, pad), (input) => blazeFaces(human, input, LOCATE_ONLY));
  const k = image.width / small.width;
  return found.map((f) => ({
    ...f,
    box: { x: (f.box.x - pad) * k, y: (f.box.y - pad) * k, width: f.box.width * k, height: f.box.height * k },
  }));
}

/** The image scaled so its longest side is at most `side` (itself when it already is). */
async function scaled(image: DecodedImage, side: number): Promise<DecodedImage> {
  const longest = Math.max(image.width, image.height);
  if (longest <= side) return image;
  const width = Math.round((image.width * side) / longest);
  const height = Math.round((image.height * side) / longest);
  const pixels = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width, height })
    .raw()
    .toBuffer();
  return { pixels, width, height, scale: image.scale };
}

/**
 * With the mesh off, human's box is BlazeFace's detection enlarged by its crop scale (1.4) and squared; with the mesh
 * on, the box around the mesh. A located box is mapped onto the described one's size and place so that one face
 * reads alike either way: on 30 faces (the astronaut, a group photo, every 23rd real photo of faces-real) the mesh box
 * was 0.94 × human's box and its centre 0.08 of its height higher (P10–P90 of the size: 0.90–0.99).
 */
const LOCATED_BOX = { scale: 0.94, up: 0.08 } as const;

/**
 * The face at `box` on its own square region REGION_PER_FACE times the face, cut from the image with grey where it
 * leaves the image and scaled to ≤ REGION_SIDE: located again there by BlazeFace (its box in a view where the face
 * is large), and when `depth` is 'describe', measured by human's mesh (with the iris model) and presentation-attack
 * models and described on a crop aligned from the mesh (`describeAligned`).
 * Every face is described this way, whichever pass found it, so its descriptor does not depend on how large the face
 * is in the image (BlazeFace's box of a 130–190 px portrait on a 1280 px photo was twice the face) or on whether a
 * crop leaves the image (grey, not black: black shifted tight crops' descriptors). Small tensors also keep each
 * worker's wasm heap small (it never shrinks).
 */
async function describeRegion(
  tf: Tfjs,
  human: Human,
  image: DecodedImage,
  box: FaceBox,
  depth: Depth,
): Promise<Omit<LocatedFace, 'detector'> | Omit<DetectedFace, 'detector'> | undefined> {
  const side = Math.max(16, Math.round(Math.max(box.width, box.height) * REGION_PER_FACE));
  const left = Math.round(box.x + box.width / 2 - side / 2);
  const top = Math.round(box.y + box.height / 2 - side / 2);
  const region = Buffer.alloc(side * side * 3, 128);
  const x0 = Math.max(0, left);
  const x1 = Math.min(image.width, left + side);
  if (x1 <= x0) return undefined;
  for (let y = Math.max(0, top); y < Math.min(image.height, top + side); y++) {
    image.pixels.copy(
      region,
      ((y - top) * side + (x0 - left)) * 3,
      (y * image.width + x0) * 3,
      (y * image.width + x1) * 3,
    );
  }
  const view = await scaled({ pixels: region, width: side, height: side, scale: image.scale }, REGION_SIDE);
  const k = side / view.width;
  const toImage = (x: number, y: number) => ({ x: left + x * k, y: top + y * k });
  const found = await withTensor(tf, view, (input) =>
    blazeFaces(human, input, depth === 'locate' ? LOCATE_ONLY : DESCRIBE),
  );
  // The face the region was cut around: the one nearest its centre (a neighbour in a group photo may show too).
  const centre = view.width / 2;
  const face = found
    .filter((f) => depth === 'locate' || f.mesh)
    .sort(
      (a, b) =>
        Math.hypot(a.box.x + a.box.width / 2 - centre, a.box.y + a.box.height / 2 - centre) -
        Math.hypot(b.box.x + b.box.width / 2 - centre, b.box.y + b.box.height / 2 - centre),
    )[0];
  if (!face) return undefined;
  const inView = depth === 'locate' ? meshLikeBox(face.box) : face.box;
  const corner = toImage(inView.x, inView.y);
  const located = {
    box: clampedBox(
      { ...corner, width: inView.width * k, height: inView.height * k },
      image.width,
      image.height,
    ),
    score: face.score,
  };
  if (depth === 'locate' || !face.mesh) return located;
  const descriptor = await describeAligned(tf, human, view, face.mesh);
  await describedRegionObserver?.(view, face.mesh, descriptor);
  return {
    ...located,
    descriptor,
    mesh468: face.mesh.slice(0, 468).map(([x, y, z]) => {
      const p = toImage(x, y);
      return { x: p.x / image.width, y: p.y / image.height, z: ((z ?? 0) * k) / image.width };
    }),
    ...(face.presentationAttack ? { presentationAttack: face.presentationAttack } : {}),
  };
}

/**
 * The identity descriptor of the face whose mesh is `mesh` (pixels of `view`): `faceres` on the crop aligned from the
 * mesh (face-alignment.ts).
 */
function describeAligned(
  tf: Tfjs,
  human: Human,
  view: DecodedImage,
  mesh: readonly MeshPoint[],
): Promise<Float32Array> {
  const crop = warpCrop(view, alignedCrop(mesh));
  return describeFaceCrop(tf, human, crop, DESCRIPTOR_INPUT_SIDE);
}

/** A located box (human's, mesh off) where the mesh's box of the same face would be (LOCATED_BOX). */
function meshLikeBox(box: FaceBox): FaceBox {
  const width = box.width * LOCATED_BOX.scale;
  const height = box.height * LOCATED_BOX.scale;
  return {
    x: box.x + (box.width - width) / 2,
    y: box.y + (box.height - height) / 2 - LOCATED_BOX.up * height,
    width,
    height,
  };
}

/** The part of `box` inside the image: human's boxes are enlarged around the face and may cross the border. */
function clampedBox(box: FaceBox, width: number, height: number): FaceBox {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  return {
    x,
    y,
    width: Math.max(0, Math.min(width, box.x + box.width) - x),
    height: Math.max(0, Math.min(height, box.y + box.height) - y),
  };
}

/** Side of a tile, px: BlazeFace's 256² input then sees a face at ≥ 2/3 of its size in the image. */
const TILE_SIDE = 384;

/**
 * BlazeFace on overlapping tiles of the image (TILE_SIDE, a quarter overlap), for portraits too small for its view of
 * the whole image (a card photographed from far away: a ≈ 100–130 px portrait on a 1280 px photo, a face of 40–60 px).
 * Boxes in the image's pixels; a find overlapping one from another tile is the same face.
 */
async function blazeFacesInTiles(tf: Tfjs, human: Human, image: DecodedImage): Promise<Candidate[]> {
  if (Math.max(image.width, image.height) <= TILED_ABOVE_SIDE) return [];
  const step = Math.round(TILE_SIDE * 0.75);
  const starts = (length: number) => {
    const out: number[] = [];
    for (let at = 0; at + TILE_SIDE < length; at += step) out.push(at);
    out.push(Math.max(0, length - TILE_SIDE));
    return out;
  };
  const found: Candidate[] = [];
  for (const top of starts(image.height)) {
    for (const left of starts(image.width)) {
      const width = Math.min(TILE_SIDE, image.width - left);
      const height = Math.min(TILE_SIDE, image.height - top);
      const pixels = Buffer.alloc(width * height * 3);
      for (let y = 0; y < height; y++) {
        const from = ((top + y) * image.width + left) * 3;
        image.pixels.copy(pixels, y * width * 3, from, from + width * 3);
      }
      const tile = { pixels, width, height, scale: image.scale };
      for (const f of await withTensor(tf, tile, (input) => blazeFaces(human, input, LOCATE_ONLY))) {
        const box = { ...f.box, x: f.box.x + left, y: f.box.y + top };
        if (!found.some((g) => intersects(g.box, box))) found.push({ ...f, box });
      }
    }
  }
  return found;
}

function intersects(a: FaceBox, b: FaceBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The thread id analyses run on here (for tests of the pool). */
export function analysisThreadId(): number {
  return threadId;
}

/**
 * Cosine distance (1 − cos) between two descriptors: 0 same image, ≈ 0.1–0.35 same person, ≈ 0.4–0.7 different
 * people (docs/face-match-calibration.md). 0–2; a zero vector is at distance 1 from everything.
 */
export function faceDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError('descriptors differ in length');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? 1 - dot / Math.sqrt(na * nb) : 1;
}
