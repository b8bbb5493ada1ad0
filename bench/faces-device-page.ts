/**
 * Browser side of `npm run bench -- faces-device-real` (no Node APIs; bench/faces-device-real.ts bundles it and
 * serves the real photos from memory). Three steps, all in headless Chromium:
 *
 * 1. Calibration: where the face is in each source photo (MediaPipe FaceLandmarker, IMAGE mode, on the photo
 *    upscaled to ≥ 480 px and padded with grey so that tight crops like ORL's are found): the landmarks' box, the
 *    cheek-to-cheek span (what FACE_TOO_SMALL / FACE_TOO_CLOSE measure) and the head pose. It places the face in
 *    the composites; a photo it finds no face in is reported and left out.
 * 2. Composition: a 720 × 960 portrait frame like a phone's front camera (the real photo scaled so the face has
 *    the drawn width, placed, rolled, over a blurred copy of itself or a drawn room), then the condition (defocus or
 *    motion blur, exposure gain), sensor noise, JPEG 0.85. Geometry is drawn in face-relative terms: a face width
 *    as a share of the frame's shorter side, blur as a share of the face width.
 * 3. The widget's analysis as it runs: a real `AnalysisClient` and analysis worker; before each frame one empty
 *    frame (the phone pointed away, so no track carries over from the previous photo), then the frame downscaled to
 *    640 px wide like `FaceCapture`, sent twice as live frames (the tracker settles on the new face) and then as the
 *    still (`otherFaces: 'now'`, the review screen's check). The still's verdict is the frame's outcome.
 */
import type { FaceLandmarker } from '@mediapipe/tasks-vision';
import { headPoseFromMatrix } from '../src/analysis/face-geometry.js';
import { AnalysisClient } from '../src/capture/analysis-client.js';
import type { FaceFrameResult } from '../src/capture/analysis-protocol.js';
import { assetUrl, mediapipeWasmBase } from '../src/capture/asset-manifest.js';

export const FRAME = { width: 720, height: 960 } as const;

export interface SourcePhoto {
  /** Served URL of the photo. */
  url: string;
  set: string;
  file: string;
  identity: string;
}

export interface Calibration {
  url: string;
  found: boolean;
  /** Faces the calibration landmarker saw (numFaces 2). */
  faces: number;
  /** Landmark boxes of every face seen, in source pixels (the two-person photo is placed by both). */
  boxes: Array<{ x: number; y: number; width: number; height: number }>;
  /** The landmarks' box of the largest face, in source pixels. */
  box?: { x: number; y: number; width: number; height: number };
  /** Cheek-to-cheek span (mesh points 234 → 454) in source pixels. */
  cheekPx?: number;
  yaw?: number;
  pitch?: number;
  roll?: number;
  /** Source photo size. */
  width: number;
  height: number;
}

/** One person placed in a frame. */
export interface Placement {
  url: string;
  /** Cheek span as a share of the frame's shorter side (the quantity faceWidthRatio measures). */
  widthRatio: number;
  /** Face centre as fractions of the frame. */
  cx: number;
  cy: number;
  /** Roll added in degrees (counter-clockwise on screen positive). */
  rollDeg: number;
  /**
   * The source point (pixels) that goes to (cx, cy) instead of the face centre; the whole photo is drawn, unmasked
   * (the real two-person photo, placed by the middle of both faces).
   */
  anchor?: { x: number; y: number };
}

export interface FrameSpec {
  id: string;
  condition: string;
  expected: string;
  set: string;
  people: Placement[];
  /**
   * `photo`: `backgroundCrop` of a photo scaled to cover the frame (blurred behind people), or without it the first
   * person's whole photo (the two-person photo, drawn over it anyway); `room`: a drawn wall, door and picture.
   */
  background: 'photo' | 'room';
  /** The photo rectangle (source pixels) with no face in it that covers the frame. */
  backgroundCrop?: { url: string; x: number; y: number; width: number; height: number };
  /** Gaussian σ as a share of the first face's width in the frame. */
  blurRel?: number;
  /** Motion blur length as a share of the first face's width, and its direction. */
  motionRel?: number;
  motionDeg?: number;
  /** Exposure gain (1 = as photographed). */
  gain: number;
  seed: number;
}

export interface FrameOutcome {
  id: string;
  reported: string[];
  metrics: FaceFrameResult['metrics'];
  /** Worker-side time of the still check (scale, landmarks, second-face search, checks). */
  stillMs: number;
  /** Worker-side time of the second live frame (scale, landmarks, checks; the periodic search is deferred). */
  liveMs: number;
  landmarkMs: number;
}

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const bitmaps = new Map<string, ImageBitmap>();
async function photo(url: string): Promise<ImageBitmap> {
  let b = bitmaps.get(url);
  if (!b) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    b = await createImageBitmap(await res.blob(), { imageOrientation: 'from-image' });
    bitmaps.set(url, b);
  }
  return b;
}

let referenceLandmarker: Promise<FaceLandmarker> | undefined;
function reference(assetBase: string): Promise<FaceLandmarker> {
  referenceLandmarker ??= (async () => {
    const vision = await import('@mediapipe/tasks-vision');
    const fileset = await vision.FilesetResolver.forVisionTasks(mediapipeWasmBase(assetBase));
    return vision.FaceLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: assetUrl(assetBase, 'faceLandmarkerModel'), delegate: 'CPU' },
      runningMode: 'IMAGE',
      numFaces: 2,
      outputFacialTransformationMatrixes: true,
    });
  })();
  return referenceLandmarker;
}

/** Step 1: where the face is in each photo. */
export async function calibrate(sources: SourcePhoto[], assetBase: string): Promise<Calibration[]> {
  const lm = await reference(assetBase);
  const out: Calibration[] = [];
  for (const s of sources) {
    const img = await photo(s.url);
    const up = Math.max(1, 480 / Math.max(img.width, img.height));
    const w = Math.round(img.width * up);
    const h = Math.round(img.height * up);
    const pad = Math.round(Math.max(w, h) / 2);
    const canvas = new OffscreenCanvas(w + 2 * pad, h + 2 * pad);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, pad, pad, w, h);
    const result = lm.detect(canvas);
    const toSource = (px: number, py: number) => ({
      x: (px * canvas.width - pad) / up,
      y: (py * canvas.height - pad) / up,
    });
    let best: Calibration | undefined;
    const boxes: NonNullable<Calibration['box']>[] = [];
    result.faceLandmarks.forEach((lms, i) => {
      const pts = lms.map((p) => toSource(p.x, p.y));
      const xs = pts.map((p) => p.x);
      const ys = pts.map((p) => p.y);
      const box = {
        x: Math.min(...xs),
        y: Math.min(...ys),
        width: Math.max(...xs) - Math.min(...xs),
        height: Math.max(...ys) - Math.min(...ys),
      };
      boxes.push(box);
      const a = pts[234]!;
      const b = pts[454]!;
      const matrix = result.facialTransformationMatrixes?.[i]?.data;
      const pose = matrix ? headPoseFromMatrix(Array.from(matrix)) : undefined;
      if (!best || box.width > best.box!.width) {
        best = {
          url: s.url,
          found: true,
          faces: result.faceLandmarks.length,
          boxes,
          box,
          cheekPx: Math.hypot(b.x - a.x, b.y - a.y),
          yaw: pose?.yaw,
          pitch: pose?.pitch,
          roll: pose?.roll,
          width: img.width,
          height: img.height,
        };
      }
    });
    out.push(best ?? { url: s.url, found: false, faces: 0, boxes, width: img.width, height: img.height });
  }
  return out;
}

/** A plain room: wall with a light gradient, a door, a framed picture, a floor line, a lamp glow. */
function drawRoom(ctx: OffscreenCanvasRenderingContext2D, r: () => number): void {
  const { width: W, height: H } = FRAME;
  const base = 120 + r() * 100;
  const tint = [base + (r() - 0.5) * 30, base + (r() - 0.5) * 30, base + (r() - 0.5) * 30];
  const g = ctx.createLinearGradient(0, 0, W * r(), H);
  g.addColorStop(0, `rgb(${tint.map((c) => Math.min(255, c * 1.1)).join(',')})`);
  g.addColorStop(1, `rgb(${tint.map((c) => c * 0.75).join(',')})`);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = `rgb(${60 + r() * 80},${50 + r() * 60},${40 + r() * 50})`;
  const doorX = r() * W * 0.7;
  ctx.fillRect(doorX, H * (0.15 + r() * 0.1), W * 0.28, H);
  ctx.strokeStyle = 'rgba(20,20,20,0.8)';
  ctx.lineWidth = 6;
  const px = r() * W * 0.6;
  const py = r() * H * 0.4;
  ctx.fillStyle = `rgb(${r() * 255},${r() * 255},${r() * 255})`;
  ctx.fillRect(px, py, W * 0.25, H * 0.15);
  ctx.strokeRect(px, py, W * 0.25, H * 0.15);
  ctx.fillStyle = `rgb(${70 + r() * 60},${60 + r() * 50},${50 + r() * 40})`;
  ctx.fillRect(0, H * (0.8 + r() * 0.1), W, H);
  const glow = ctx.createRadialGradient(W * r(), H * r() * 0.5, 0, W * 0.5, H * 0.3, W * 0.8);
  glow.addColorStop(0, 'rgba(255,250,230,0.35)');
  glow.addColorStop(1, 'rgba(255,250,230,0)');
  ctx.fillStyle = glow;
  ctx.fillRect(0, 0, W, H);
}

/** Step 2: one frame, as JPEG bytes decoded into a full-size bitmap. */
export async function composeFrame(
  spec: FrameSpec,
  calibrations: Map<string, Calibration>,
): Promise<ImageBitmap> {
  const { width: W, height: H } = FRAME;
  const r = random(spec.seed);
  const canvas = new OffscreenCanvas(W, H);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const first = spec.people[0];
  if (spec.background === 'room') {
    drawRoom(ctx, r);
  } else {
    const crop = spec.backgroundCrop;
    const img = await photo(crop?.url ?? first!.url);
    const c = crop ?? { x: 0, y: 0, width: img.width, height: img.height };
    const s = Math.max(W / c.width, H / c.height);
    // A backdrop behind people is out of focus; a background-only frame is what the camera is focused on.
    ctx.filter = !crop ? 'blur(18px)' : spec.people.length > 0 ? 'blur(6px)' : 'none';
    ctx.drawImage(
      img,
      c.x,
      c.y,
      c.width,
      c.height,
      (W - c.width * s) / 2,
      (H - c.height * s) / 2,
      c.width * s,
      c.height * s,
    );
    ctx.filter = 'none';
  }
  const short = Math.min(W, H);
  for (const p of spec.people) {
    const cal = calibrations.get(p.url);
    if (!cal?.box || !cal.cheekPx) throw new Error(`${p.url}: not calibrated`);
    const img = await photo(p.url);
    const s = (p.widthRatio * short) / cal.cheekPx;
    const fx = p.anchor?.x ?? cal.box.x + cal.box.width / 2;
    const fy = p.anchor?.y ?? cal.box.y + cal.box.height / 2;
    // The person on a layer of their own, faded out in an ellipse round the face (hair, neck and shoulders stay).
    const layer = new OffscreenCanvas(W, H);
    const lc = layer.getContext('2d')!;
    lc.translate(p.cx * W, p.cy * H);
    lc.rotate((-p.rollDeg * Math.PI) / 180);
    lc.scale(s, s);
    lc.translate(-fx, -fy);
    lc.drawImage(img, 0, 0);
    if (p.anchor) {
      ctx.drawImage(layer, 0, 0);
      continue;
    }
    lc.globalCompositeOperation = 'destination-in';
    lc.translate(fx, fy);
    const rx = cal.box.width * 1.4;
    const ry = cal.box.height * 1.5;
    lc.scale(1, ry / rx);
    const mask = lc.createRadialGradient(0, 0, 0, 0, 0, rx);
    mask.addColorStop(0, 'rgba(0,0,0,1)');
    mask.addColorStop(0.75, 'rgba(0,0,0,1)');
    mask.addColorStop(1, 'rgba(0,0,0,0)');
    lc.fillStyle = mask;
    lc.fillRect(-rx, -rx, 2 * rx, 2 * rx);
    ctx.drawImage(layer, 0, 0);
  }
  let out = canvas;
  const faceWidthPx = first ? first.widthRatio * short : short * 0.45;
  if (spec.blurRel || spec.motionRel) {
    const blurred = new OffscreenCanvas(W, H);
    const bc = blurred.getContext('2d', { willReadFrequently: true })!;
    if (spec.blurRel) {
      bc.filter = `blur(${(spec.blurRel * faceWidthPx).toFixed(2)}px)`;
      bc.drawImage(canvas, 0, 0);
    } else {
      // A straight streak: n copies along the motion, running average (copy k drawn at alpha 1/(k+1)).
      const length = (spec.motionRel ?? 0) * faceWidthPx;
      const a = ((spec.motionDeg ?? 0) * Math.PI) / 180;
      const n = Math.max(2, Math.ceil(length));
      for (let k = 0; k < n; k++) {
        const t = k / (n - 1) - 0.5;
        bc.globalAlpha = 1 / (k + 1);
        bc.drawImage(canvas, t * length * Math.cos(a), t * length * Math.sin(a));
      }
    }
    out = blurred;
  }
  // Exposure gain and sensor noise (constant in absolute terms, so it weighs more in a dark frame), then JPEG.
  const oc = out.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D;
  const data = oc.getImageData(0, 0, W, H);
  const px = data.data;
  const sigma = 3;
  for (let i = 0; i < px.length; i += 4) {
    const n = (r() + r() + r() - 1.5) * 2 * sigma;
    for (let c = 0; c < 3; c++) px[i + c] = px[i + c]! * spec.gain + n;
  }
  oc.putImageData(data, 0, 0);
  const jpeg = await out.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  return createImageBitmap(jpeg);
}

let client: AnalysisClient | undefined;

/** Step 3: every frame through the widget's worker; `onFrame` for progress. */
export async function assessFrames(
  specs: FrameSpec[],
  calibrations: Calibration[],
  workerUrl: string,
  assetBase: string,
): Promise<FrameOutcome[]> {
  const byUrl = new Map(calibrations.map((c) => [c.url, c]));
  client ??= new AnalysisClient({
    assetBase,
    profile: 'phone',
    createWorker: () => new Worker(workerUrl, { type: 'module', name: 'idv-analysis' }),
  });
  await client.preloadFaces();
  const outcomes: FrameOutcome[] = [];
  let ts = 0;
  // Like FaceCapture: each frame scaled to 640 px wide before it goes to the worker.
  const small = (full: ImageBitmap) =>
    createImageBitmap(full, { resizeWidth: Math.min(640, full.width), resizeQuality: 'medium' });
  // Between two unrelated photos, one empty frame: the phone pointed away. Without it the landmarker (VIDEO mode)
  // can keep a stale track from the previous photo on a jump cut no camera makes, and the checks then judge it.
  const away = new OffscreenCanvas(640, 853);
  const awayCtx = away.getContext('2d')!;
  awayCtx.fillStyle = '#6b6b6b';
  awayCtx.fillRect(0, 0, away.width, away.height);
  for (const spec of specs) {
    const full = await composeFrame(spec, byUrl);
    await client.face(await createImageBitmap(away), ts + 50);
    await client.face(await small(full), ts + 100);
    const live = await client.face(await small(full), ts + 200);
    const still = await client.face(await small(full), ts + 300, { otherFaces: 'now' });
    ts += 300;
    full.close();
    outcomes.push({
      id: spec.id,
      reported: still.issues,
      metrics: still.metrics,
      stillMs: still.ms,
      liveMs: live.ms,
      landmarkMs: still.landmarkMs ?? Number.NaN,
    });
  }
  return outcomes;
}

export function dispose(): void {
  client?.dispose();
  client = undefined;
  void referenceLandmarker?.then((l) => l.close());
  referenceLandmarker = undefined;
  for (const b of bitmaps.values()) b.close();
  bitmaps.clear();
}

/** Debugging aid: one composed frame as a JPEG data URL (for looking at what the bench draws). */
export async function frameDataUrl(spec: FrameSpec, calibrations: Calibration[]): Promise<string> {
  const bitmap = await composeFrame(spec, new Map(calibrations.map((c) => [c.url, c])));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return `data:image/jpeg;base64,${btoa(s)}`;
}
