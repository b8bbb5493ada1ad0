/**
 * Server-side face analysis of one stored image: every face with its box, a 1024-d identity descriptor (human's
 * `faceres`), the 468-point mesh (MediaPipe topology, so the server runs the same `analysis/face-geometry.ts` math as
 * the widget) and two presentation-attack scores. Computed on the stored pixels, never the client's word; models
 * from face-models.ts.
 *
 * Detection, measured on real faces (docs/face-match-calibration.md, `npm run bench -- faces-real`):
 * 1. human's BlazeFace on the whole image with a grey border (BORDER): ≈ 10 ms, and it finds selfies, liveness
 *    frames, rectified cards and tight crops (a face filling the frame, like an ID photo cut to the head or ORL's
 *    92×112; face-api's SSD alone found 7 of 60 such crops);
 * 2. when it finds nothing, face-api's SSD MobileNet (512² input, ≈ 300 ms on 2 cores), which finds a small printed
 *    portrait in a photo of a whole ID card that BlazeFace's 256² input shrinks away, then BlazeFace again on the
 *    region around each SSD find.
 * Every face is measured by human on a BlazeFace box, so the descriptor does not depend on which pass found it:
 * the descriptor of one face moves by as much as a third of the match threshold between two detectors' boxes.
 *
 * One analysis at a time per thread: tfjs keeps global engine state (scopes, backend) that concurrent async inference
 * would interleave. The server runs these in a pool of worker threads (face-analysis.ts); tests and tools call them
 * in their own thread.
 */
import { threadId } from 'node:worker_threads';
import type { Human } from '@vladmandic/human';
import sharp from 'sharp';
import type { Landmark } from '../../analysis/types.js';
import { type FaceApi, FaceAnalyzerError, loadFaceModels, tfjsOf } from './face-models.js';

export { FaceAnalyzerError, type FaceAnalyzerErrorCode } from './face-models.js';

/** Axis-aligned box in pixels of the analysed image (after EXIF orientation and any downscaling, see `scale`). */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type FaceDetector = 'blazeface' | 'ssd';

export interface DetectedFace {
  box: FaceBox;
  /** Detector confidence 0–1. */
  score: number;
  /** Which detector pass found it (see the module comment). */
  detector: FaceDetector;
  /** 1024-d identity embedding (`faceres`); compare two with `faceDistance`. Biometric data: never logged or stored. */
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

export interface FaceAnalysis {
  /** Size of the image the boxes refer to. */
  width: number;
  height: number;
  /** Factor from original to analysed pixels (≤ 1; large images are downscaled before detection). */
  scale: number;
  faces: DetectedFace[];
}

/**
 * Longest side analysed. SSD resizes to 512² and BlazeFace to 256², so more pixels only cost decode time and
 * memory; the descriptor is taken from a 150² crop, which a face of ≥ 60 px at this size already fills.
 */
export const MAX_ANALYSIS_SIDE = 1280;
/** SSD candidates below this confidence are dropped (face-api's default). */
const SSD_MIN_CONFIDENCE = 0.5;
/** At most this many SSD finds are looked at again (a crowd needs no more to be MULTIPLE_PEOPLE). */
const MAX_FACES = 10;
/**
 * Grey border added on each side, as a share of the longest side, before human sees the image: human crops the
 * face with a margin, and where that margin leaves the image it is filled with black, which shifts the descriptor
 * of a tight crop (an ID photo cut to the head). On ORL + Yale + human-stock + openface the border took FNMR at
 * FMR 0.1 % from 6.4 % to ≈ 3 % (docs/face-match-calibration.md); it also lets BlazeFace find faces that fill the
 * frame (27 of ORL's 400 crops had no face without it).
 */
const BORDER = 0.25;

/** Milliseconds the one-time model load of this thread took, once it has finished. */
let loadMs: number | undefined;
export function faceAnalyzerLoadMs(): number | undefined {
  return loadMs;
}

/** Loads the models of this thread (face-api and human) once. */
export async function loadFaceAnalyzer(): Promise<FaceApi> {
  const models = await loadFaceModels();
  loadMs ??= models.loadMs;
  return models.faceapi;
}

/** Live tfjs tensors in this thread; stays constant across analyses when nothing leaks. */
export async function liveTensorCount(): Promise<number> {
  return tfjsOf(await loadFaceAnalyzer()).memory().numTensors;
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
  embedding?: number[];
  mesh?: Array<[number, number, number?]>;
  presentationAttack?: { antispoof: number; liveness: number };
}

type Tensor3D = ReturnType<FaceApi['tf']['tensor3d']>;

async function blazeFaces(human: Human, input: Tensor3D): Promise<Candidate[]> {
  const result = await human.detect(input as unknown as Parameters<Human['detect']>[0]);
  return result.face.map((f) => ({
    box: { x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3] },
    score: f.boxScore ?? f.score,
    ...(f.embedding && f.embedding.length > 0 ? { embedding: f.embedding } : {}),
    ...(f.mesh.length >= 468 ? { mesh: f.mesh as Array<[number, number, number?]> } : {}),
    ...(f.real !== undefined && f.live !== undefined
      ? { presentationAttack: { antispoof: f.real, liveness: f.live } }
      : {}),
  }));
}

async function ssdFaces(faceapi: FaceApi, input: Tensor3D): Promise<Candidate[]> {
  const found = await faceapi.detectAllFaces(
    input as unknown as Parameters<FaceApi['detectAllFaces']>[0],
    new faceapi.SsdMobilenetv1Options({ minConfidence: SSD_MIN_CONFIDENCE }),
  );
  return found.map((d) => ({
    box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height },
    score: d.score,
  }));
}

/**
 * All faces in a JPEG or PNG, largest first, with everything the server needs of them. "No face" is an empty list,
 * not an error; an image that does not decode is `FACE_IMAGE_UNREADABLE`.
 */
export async function analyzeFacesInThisThread(image: Buffer): Promise<FaceAnalysis> {
  const { faceapi, human } = await loadFaceModels();
  loadMs ??= (await loadFaceModels()).loadMs;
  const decoded = await decode(image);
  const faces = await serialized(() => facesIn(faceapi, human, decoded));
  return {
    width: decoded.width,
    height: decoded.height,
    scale: decoded.scale,
    faces: faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height),
  };
}

async function facesIn(faceapi: FaceApi, human: Human, image: DecodedImage): Promise<DetectedFace[]> {
  const pad = Math.round(BORDER * Math.max(image.width, image.height));
  const bordered = padded(image, pad);
  const input = tensorOf(faceapi, bordered);
  try {
    let detector: FaceDetector = 'blazeface';
    const candidates: Candidate[] = [];
    for (const found of await blazeFaces(human, input)) {
      // A small face in a large image gets a loose box and a poor descriptor: look again at the region around it.
      const small = found.box.height < SMALL_FACE_SHARE * Math.min(image.width, image.height);
      candidates.push((small && (await blazeFaceAround(faceapi, human, bordered, found.box))) || found);
    }
    if (candidates.length === 0) {
      detector = 'ssd';
      const plain = tensorOf(faceapi, image);
      let found: Candidate[];
      try {
        found = await ssdFaces(faceapi, plain);
        if (found.length === 0) found = await ssdFacesInTiles(faceapi, image);
      } finally {
        plain.dispose();
      }
      for (const f of found.slice(0, MAX_FACES)) {
        const box = { ...f.box, x: f.box.x + pad, y: f.box.y + pad };
        const confirmed = await blazeFaceAround(faceapi, human, bordered, box);
        if (confirmed) candidates.push(confirmed);
      }
    }
    // A face human could not describe is no face to match or verify.
    return candidates.flatMap((c): DetectedFace[] => {
      if (!c.embedding) return [];
      return [
        {
          box: clampedBox(
            { x: c.box.x - pad, y: c.box.y - pad, width: c.box.width, height: c.box.height },
            image.width,
            image.height,
          ),
          score: c.score,
          detector,
          descriptor: Float32Array.from(c.embedding),
          ...(c.mesh
            ? {
                mesh468: c.mesh.slice(0, 468).map(([x, y, z]) => ({
                  x: (x - pad) / image.width,
                  y: (y - pad) / image.height,
                  z: (z ?? 0) / image.width,
                })),
              }
            : {}),
          ...(c.presentationAttack ? { presentationAttack: c.presentationAttack } : {}),
        },
      ];
    });
  } finally {
    input.dispose();
  }
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

function tensorOf(faceapi: FaceApi, image: DecodedImage): Tensor3D {
  return faceapi.tf.tensor3d(
    new Uint8Array(image.pixels.buffer, image.pixels.byteOffset, image.pixels.length),
    [image.height, image.width, 3],
    'int32',
  );
}

/**
 * Faces shorter than this share of the image's shorter side are looked at again in the region around them: on ID
 * cards photographed at 1280×960 BlazeFace's box of a 130–190 px printed portrait was twice the face and its
 * descriptor 0.54–0.72 from the holder's selfie; re-detected in the region, 0.11–0.23.
 */
const SMALL_FACE_SHARE = 0.3;

/**
 * SSD on 2 × 2 overlapping tiles of the image, for portraits too small for SSD's 512² view of the whole image (a
 * card photographed from far away: a ≈ 100 px portrait on a 1280 px photo). Boxes in the image's pixels; overlaps
 * between tiles are merged by keeping the larger of two boxes that overlap.
 */
async function ssdFacesInTiles(faceapi: FaceApi, image: DecodedImage): Promise<Candidate[]> {
  if (Math.max(image.width, image.height) < 800) return [];
  const tileW = Math.round(image.width * 0.6);
  const tileH = Math.round(image.height * 0.6);
  const found: Candidate[] = [];
  for (const left of [0, image.width - tileW]) {
    for (const top of [0, image.height - tileH]) {
      const pixels = Buffer.alloc(tileW * tileH * 3);
      for (let y = 0; y < tileH; y++) {
        const from = ((top + y) * image.width + left) * 3;
        image.pixels.copy(pixels, y * tileW * 3, from, from + tileW * 3);
      }
      const tile = tensorOf(faceapi, { pixels, width: tileW, height: tileH, scale: image.scale });
      try {
        for (const f of await ssdFaces(faceapi, tile)) {
          const box = { ...f.box, x: f.box.x + left, y: f.box.y + top };
          if (!found.some((g) => intersects(g.box, box))) found.push({ ...f, box });
        }
      } finally {
        tile.dispose();
      }
    }
  }
  return found;
}

function intersects(a: FaceBox, b: FaceBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Side of the region around an SSD find that BlazeFace looks at again, in SSD box widths. */
const REGION_AROUND_SSD_FACE = 2.4;

/**
 * BlazeFace on the region around a face SSD found (a small printed portrait), so every face gets the same kind of
 * box, descriptor, mesh and presentation-attack scores whichever pass found it. `box` is in `image`'s pixels; the
 * answer too.
 */
async function blazeFaceAround(
  faceapi: FaceApi,
  human: Human,
  image: DecodedImage,
  box: FaceBox,
): Promise<Candidate | undefined> {
  const side = Math.round(Math.max(box.width, box.height) * REGION_AROUND_SSD_FACE);
  const left = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
  const top = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
  const width = Math.min(image.width - left, side);
  const height = Math.min(image.height - top, side);
  if (width < 16 || height < 16) return undefined;
  const region = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    image.pixels.copy(region, y * width * 3, from, from + width * 3);
  }
  const input = tensorOf(faceapi, { pixels: region, width, height, scale: image.scale });
  try {
    const [face] = (await blazeFaces(human, input)).sort((a, b) => b.box.width - a.box.width);
    if (!face) return undefined;
    return {
      ...face,
      box: { ...face.box, x: face.box.x + left, y: face.box.y + top },
      ...(face.mesh
        ? { mesh: face.mesh.map(([x, y, z]): [number, number, number] => [x + left, y + top, z ?? 0]) }
        : {}),
    };
  } finally {
    input.dispose();
  }
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
