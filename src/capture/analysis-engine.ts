/**
 * The analysis that runs inside the worker (and, for tests or browsers without module workers, on the main
 * thread): frame → scaled pixels → pure checks from `src/analysis`, plus MediaPipe faces when needed.
 */
import {
  amendDocumentAssessment,
  assessDocumentFrame,
  assessFaceFrame,
  FACE_THRESHOLDS,
  faceWidthRatio,
} from '../analysis/index.js';
import type { FramePixelSource } from '../analysis/face-assessment.js';
import type { Box, CaptureProfile, FaceObservation, Quad } from '../analysis/types.js';
import type {
  DocumentFrameOptions,
  DocumentFrameResult,
  FaceFrameOptions,
  FaceFrameResult,
} from './analysis-protocol.js';
import { BarcodeReader, type BarcodeReadResult } from './barcode.js';
import { FaceRuntime, type FaceRuntimeStage } from './face-runtime.js';
import { FramePixelReader } from './frame-pixels.js';

export interface AnalysisEngineOptions {
  assetBase: string;
  profile?: CaptureProfile;
  /** Width the checks run at (default 640): enough for the metrics, cheap enough for every frame. */
  analysisWidth?: number;
  /** Width of the copy the face landmarker is fed (default LANDMARK_INPUT_WIDTH); for tuning and benchmarks. */
  landmarkWidth?: number;
  /**
   * The landmarker tracks one face; other faces (MULTIPLE_FACES) are looked for with the face detector on the
   * first frame a face is tracked again and then once every this-many frames (default SECOND_FACE_CHECK_EVERY),
   * right after a frame's answer (`runIdleWork`), its findings shown from the next frame on. A new face in view
   * is therefore reported at most this many frames late.
   */
  secondFaceCheckEvery?: number;
  onProgress?: (stage: FaceRuntimeStage, done: number, total: number) => void;
}

/**
 * Width of the frame handed to the face landmarker. Its detector works on 128 px and its mesh model on a 192-px
 * face crop, so a face filling a selfie frame still has more pixels than the model uses at 384.
 */
const LANDMARK_INPUT_WIDTH = 384;

/**
 * Face frames between two searches for other faces. A detector run costs ~6–10 ms, more than tracking one face
 * instead of two saves per frame, so it cannot run on every frame; one in four keeps MULTIPLE_FACES at most four
 * frames (~0.4 s at 10 fps) late.
 */
export const SECOND_FACE_CHECK_EVERY = 4;

/** Side of the middle square searched for a distant face, as a share of the frame's shorter side (see distantFaces). */
const DISTANT_FACE_SQUARE = 0.5;

/** Side of the squares a still's search for other faces adds at the frame's edges (see searchOtherFaces). */
const SIDE_SQUARE = 0.6;

/**
 * Detections overlapping the tracked face at least this much (intersection over union) are the tracked face
 * itself: the detector's box is tighter than the landmarks' extent, so even the same face never scores near 1.
 */
const SAME_FACE_MIN_IOU = 0.3;

/** Whether a detector box is the tracked face: enough overlap, or its centre inside the tracked face's box. */
function isTrackedFace(detected: Box, tracked: Box): boolean {
  const cx = detected.x + detected.width / 2;
  const cy = detected.y + detected.height / 2;
  if (
    cx >= tracked.x &&
    cx <= tracked.x + tracked.width &&
    cy >= tracked.y &&
    cy <= tracked.y + tracked.height
  ) {
    return true;
  }
  const iw =
    Math.min(detected.x + detected.width, tracked.x + tracked.width) - Math.max(detected.x, tracked.x);
  const ih =
    Math.min(detected.y + detected.height, tracked.y + tracked.height) - Math.max(detected.y, tracked.y);
  if (iw <= 0 || ih <= 0) return false;
  const inter = iw * ih;
  const union = detected.width * detected.height + tracked.width * tracked.height - inter;
  return inter / union >= SAME_FACE_MIN_IOU;
}

/** A detection in the landmarker input's pixels → analysis pixels (`factor` analysis pixels per input pixel). */
function scaleObservation(face: FaceObservation, factor: number): FaceObservation {
  return {
    ...face,
    box: {
      x: face.box.x * factor,
      y: face.box.y * factor,
      width: face.box.width * factor,
      height: face.box.height * factor,
    },
    keypoints: face.keypoints?.map((k) => ({ x: k.x * factor, y: k.y * factor })),
  };
}

/**
 * At most this many synthetic frames run at start-up. V8 optimises a function only after it has seen enough realistic work,
 * so the frames carry print, texture and slightly rotated edges: plain rectangles leave the hot loops cold. With 12
 * the first real frames still cost 25–27 ms (their hot loops reach the optimising compiler only then); with 30,
 * ~11 ms, for ~0.8 s of background work once per session, ended by the first real frame.
 */
const WARM_UP_FRAMES = 30;

/** Deterministic pseudo-random numbers (LCG) for the warm-up scenes: the same work on every start. */
function warmUpRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A textured desk, with (`card`) a light card rotated by a few degrees on it: print rows, a portrait, a
 * machine-readable zone and on every other card a reflection, like the frames the checks will see.
 */
function drawWarmUpScene(
  ctx: OffscreenCanvasRenderingContext2D,
  width: number,
  height: number,
  run: number,
  card: boolean,
): void {
  const random = warmUpRandom(run + 1);
  const u = width / 640;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#4a4540';
  ctx.fillRect(0, 0, width, height);
  for (let k = 0; k < 400; k++) {
    const v = 50 + Math.floor(random() * 60);
    ctx.fillStyle = `rgb(${v},${v - 4},${v - 8})`;
    ctx.fillRect(random() * width, random() * height, (2 + random() * 14) * u, (2 + random() * 5) * u);
  }
  if (!card) return;
  ctx.translate(width / 2, height / 2);
  ctx.rotate(((run % 3) - 1) * 0.07);
  ctx.fillStyle = '#e6e9e4';
  ctx.fillRect(-200 * u, -126 * u, 400 * u, 252 * u);
  ctx.fillStyle = '#8a6f60';
  ctx.fillRect(-185 * u, -95 * u, 110 * u, 140 * u);
  ctx.fillStyle = '#1e2630';
  ctx.font = `${Math.round(13 * u)}px sans-serif`;
  for (let line = 0; line < 6; line++) {
    ctx.fillText(line % 2 ? 'SPECIMEN 0123 4567' : 'NAME SURNAME ÉÇ', -55 * u, (-80 + line * 22) * u);
  }
  ctx.font = `${Math.round(12 * u)}px monospace`;
  ctx.fillText('IDUTOD23456789<<<<<<<<<<<<<<<', -185 * u, 80 * u);
  ctx.fillText('7408122F1204159UTO<<<<<<<<<<<6', -185 * u, 100 * u);
  if (run % 2 === 0) {
    // A reflection on every other card, so the glare measurement's blob search is compiled too.
    const spot = ctx.createRadialGradient(60 * u, -30 * u, 0, 60 * u, -30 * u, 45 * u);
    spot.addColorStop(0, '#ffffff');
    spot.addColorStop(0.5, '#ffffff');
    spot.addColorStop(1, 'rgba(255,255,255,0)');
    ctx.fillStyle = spot;
    ctx.fillRect(10 * u, -80 * u, 100 * u, 100 * u);
  }
}

export class AnalysisEngine {
  readonly faces: FaceRuntime;
  /** zxing, imported and instantiated on the first licence back only. */
  readonly barcodes: BarcodeReader;
  /** The background load started by the first licence-back frame (not retried per frame when it fails). */
  private barcodeWarmUp: Promise<unknown> | undefined;
  /** The face detector's background load, started by the first front frame that wants the face check. */
  private faceWarmUp: Promise<unknown> | undefined;
  /** Frames' pixels: document frames copied into one reused buffer, face boxes read on their own. */
  private readonly framePixels: FramePixelReader;
  private tile: OffscreenCanvas | undefined;
  private landmarkCanvas: OffscreenCanvas | undefined;
  private readonly profile: CaptureProfile;
  /** Set by the first real frame (or dispose): the warm-up stops there. */
  private realFrameSeen = false;
  private readonly analysisWidth: number;
  private readonly landmarkWidth: number;
  private readonly secondFaceCheckEvery: number;
  /**
   * Faces other than the tracked one at the last detector run, analysis pixels: reported on every frame until
   * the next run ("sticky"), cleared when the tracked face is lost.
   */
  private otherFaces: FaceObservation[] = [];
  /** Face frames since the detector last ran; Infinity forces a run on the next frame with a tracked face. */
  private framesSinceSecondFaceCheck = Number.POSITIVE_INFINITY;
  /** Analysis size of the last face frame. */
  private faceFrameSize: { width: number; height: number } | undefined;
  /** Bumped whenever the landmarker's copy is redrawn: an idle search must look at the frame it was due for. */
  private landmarkInputVersion = 0;
  /** The search for other faces due after the current frame's answer, on its landmarker copy. */
  private idleSearch: { tracked: Box; version: number } | undefined;
  /** Time of the last idle search, reported once on the next frame, the first to show its findings. */
  private idleSearchMs: number | undefined;

  constructor(options: AnalysisEngineOptions) {
    this.profile = options.profile ?? 'phone';
    this.analysisWidth = options.analysisWidth ?? 640;
    this.landmarkWidth = options.landmarkWidth ?? LANDMARK_INPUT_WIDTH;
    this.framePixels = new FramePixelReader(this.analysisWidth);
    this.secondFaceCheckEvery = Math.max(1, options.secondFaceCheckEvery ?? SECOND_FACE_CHECK_EVERY);
    this.faces = new FaceRuntime({ assetBase: options.assetBase, onProgress: options.onProgress });
    this.barcodes = new BarcodeReader({ assetBase: options.assetBase });
  }

  /**
   * The frame drawn `landmarkWidth` wide, at the aspect of `size` (the analysis frame), for the face
   * landmarker. A plain canvas on purpose: MediaPipe uploads it as a texture, which is markedly slower from a
   * `willReadFrequently` (CPU-backed) one.
   */
  private landmarkInput(
    frame: ImageBitmap | OffscreenCanvas,
    size: { width: number; height: number },
  ): OffscreenCanvas {
    const width = Math.min(this.landmarkWidth, size.width);
    const height = Math.round((size.height * width) / size.width);
    if (
      !this.landmarkCanvas ||
      this.landmarkCanvas.width !== width ||
      this.landmarkCanvas.height !== height
    ) {
      this.landmarkCanvas = new OffscreenCanvas(width, height);
    }
    this.landmarkCanvas.getContext('2d')!.drawImage(frame, 0, 0, width, height);
    this.landmarkInputVersion++;
    return this.landmarkCanvas;
  }

  async document(frame: ImageBitmap, options: DocumentFrameOptions): Promise<DocumentFrameResult> {
    this.realFrameSeen = true;
    return this.analyseDocument(frame, options);
  }

  private async analyseDocument(
    frame: ImageBitmap,
    options: DocumentFrameOptions,
  ): Promise<DocumentFrameResult> {
    const t0 = performance.now();
    const { image, scale } = await this.framePixels.read(frame);
    const readMs = performance.now() - t0;
    const base = {
      kind: options.kind,
      side: options.side,
      profile: this.profile,
      previousQuad: options.previousQuad,
      captureResolution: options.captureResolution ?? { width: frame.width, height: frame.height },
    };
    let a = assessDocumentFrame(image, base);
    let faces: FaceObservation[] | undefined;
    const wantFace = options.side !== 'back' && (options.faceCheck ?? 'if-ready') !== 'skip';
    // The face check costs a few detector runs, so it only runs on frames that pass everything else; on live
    // frames only once the detector is loaded (its load is started here), so feedback never waits for a download.
    const runFace =
      wantFace && a.ok && a.quad !== undefined && (options.faceCheck === 'wait' || this.faces.detectorLoaded);
    if (wantFace && !runFace && !this.faces.detectorLoaded) {
      this.faceWarmUp ??= this.faces.getDetector().catch(() => undefined);
    }
    // The later verdicts are folded into this assessment: the card is not searched for or measured again.
    if (runFace && a.quad) {
      faces = await this.facesOnCard(frame, scale, a.quad, image);
      a = amendDocumentAssessment(a, { side: options.side, requireFaceOnDocument: true, faces });
    }
    // Same rule for the barcode: a decode costs tens of ms, and a frame failing other checks needs no verdict on it.
    let barcode: BarcodeReadResult | undefined;
    const wantBarcode = options.barcode === 'pdf417';
    const runBarcode =
      wantBarcode && a.ok && a.quad !== undefined && (options.barcodeCheck === 'wait' || this.barcodes.ready);
    if (wantBarcode && !runBarcode && !this.barcodes.ready) {
      // Warm up in the background, once; a load failure surfaces when a read has to wait for it.
      this.barcodeWarmUp ??= this.barcodes.load().catch(() => undefined);
    }
    if (runBarcode && a.quad) {
      const sourceQuad = a.quad.map((p) => ({ x: p.x * scale, y: p.y * scale })) as Quad;
      barcode = await this.barcodes.readCard(frame, sourceQuad);
      a = amendDocumentAssessment(a, { barcodeReadable: barcode.status === 'decoded' });
    }
    return {
      ok: a.ok,
      issues: a.issues,
      score: a.score,
      quad: a.quad,
      metrics: { ...a.metrics },
      faces,
      faceCheck: runFace ? 'done' : 'skipped',
      barcode,
      barcodeCheck: runBarcode ? 'done' : 'skipped',
      scale,
      analysisWidth: image.width,
      analysisHeight: image.height,
      ms: performance.now() - t0,
      readMs,
    };
  }

  /**
   * The short-range detector sees a 128-px square, where a card portrait in a whole frame is a few pixels wide.
   * So it runs on square tiles as tall as the card (left, middle, right), and boxes are mapped back to the frame.
   */
  private async facesOnCard(
    frame: ImageBitmap,
    scale: number,
    quad: Quad,
    analysis: { width: number; height: number },
  ): Promise<FaceObservation[]> {
    const xs = quad.map((p) => p.x);
    const ys = quad.map((p) => p.y);
    const left = Math.max(0, Math.min(...xs));
    const top = Math.max(0, Math.min(...ys));
    const width = Math.min(analysis.width, Math.max(...xs)) - left;
    const height = Math.min(analysis.height, Math.max(...ys)) - top;
    const side = Math.round(Math.min(width, height));
    if (side < 16) return [];
    const offsets = width > side ? [0, (width - side) / 2, width - side] : [0];
    const found: FaceObservation[] = [];
    for (const dx of offsets) {
      // Cut from the camera frame itself (analysis pixels × scale): no analysis-size copy is drawn for documents.
      found.push(...(await this.detectInSquare(frame, scale, { x: left + dx, y: top, side })));
    }
    return found;
  }

  /**
   * Runs the detector on one square of `source` (`square` in analysis pixels; `scale` source pixels per analysis
   * pixel) drawn to a tile of its own size, and returns the faces in analysis pixels.
   */
  private async detectInSquare(
    source: ImageBitmap | OffscreenCanvas,
    scale: number,
    square: { x: number; y: number; side: number },
  ): Promise<FaceObservation[]> {
    const side = Math.round(square.side);
    this.tile ??= new OffscreenCanvas(side, side);
    if (this.tile.width !== side) this.tile = new OffscreenCanvas(side, side);
    const ctx = this.tile.getContext('2d')!;
    const s = side * scale;
    ctx.drawImage(source, square.x * scale, square.y * scale, s, s, 0, 0, side, side);
    return (await this.faces.detectFaces(this.tile, { width: side, height: side })).map((f) => ({
      ...f,
      box: { ...f.box, x: f.box.x + square.x, y: f.box.y + square.y },
      keypoints: f.keypoints?.map((k) => ({ x: k.x + square.x, y: k.y + square.y })),
    }));
  }

  async face(
    frame: ImageBitmap,
    timestampMs: number,
    options: FaceFrameOptions = {},
  ): Promise<FaceFrameResult> {
    this.realFrameSeen = true;
    const t0 = performance.now();
    const scale = Math.max(1, frame.width / this.analysisWidth);
    const size = { width: Math.round(frame.width / scale), height: Math.round(frame.height / scale) };
    this.faceFrameSize = size;
    const input = this.landmarkInput(frame, size);
    const t1 = performance.now();
    // The mesh model sees a 192-px crop whatever it is given: a smaller input only saves MediaPipe's own
    // copying and scaling. Landmarks are normalised, so they map onto the analysis frame.
    const tracked = (await this.faces.landmarks(input, size, timestampMs))[0];
    const t2 = performance.now();
    const backgroundDetectorMs = this.idleSearchMs;
    this.idleSearchMs = undefined;
    this.idleSearch = undefined;
    let detectorMs: number | undefined;
    if (tracked) {
      detectorMs = await this.checkForOtherFaces(input, size, tracked, options.otherFaces === 'now');
    } else {
      // Whoever is found next is a new tracking start: look for other faces on that very frame.
      this.otherFaces = [];
      this.framesSinceSecondFaceCheck = Number.POSITIVE_INFINITY;
    }
    let distant: FaceObservation[] = [];
    if (!tracked && (options.otherFaces === 'now' || this.faces.detectorLoaded)) {
      const t = performance.now();
      distant = await this.distantFaces(input, size);
      detectorMs = performance.now() - t;
    }
    // The tracked face first (liveness reads `faces[0]`), then detections of anyone else in view. Without one, a
    // face too small for the landmarker, so the user hears "come closer" rather than "no face".
    const faces = tracked
      ? [tracked, ...this.otherFaces.filter((f) => !isTrackedFace(f.box, tracked.box))]
      : distant;
    // The checks read a face box: straight from the frame when it has the analysis size, else from the frame
    // drawn at analysis size.
    let drawn: OffscreenCanvasRenderingContext2D | undefined;
    const source: FramePixelSource = {
      ...size,
      readRegion: (x, y, width, height) => {
        const direct = this.framePixels.readRect(frame, { x, y, width, height });
        if (direct) return direct;
        drawn ??= this.framePixels.drawn(frame);
        return drawn.getImageData(x, y, width, height);
      },
      readOverview: () => input.getContext('2d')!.getImageData(0, 0, input.width, input.height),
    };
    const a = assessFaceFrame(source, faces, { profile: this.profile });
    return {
      ok: a.ok,
      issues: a.issues,
      score: a.score,
      metrics: { ...a.metrics },
      faces,
      scale,
      ms: performance.now() - t0,
      readMs: t1 - t0,
      landmarkMs: t2 - t1,
      detectorMs,
      backgroundDetectorMs,
    };
  }

  /**
   * On the first frame of a track, and on a still (`now`), looks for other faces on this very frame and returns
   * the detector's time. On the other frames only counts: the periodic search is queued for `runIdleWork`, after
   * this frame's answer, so live frames pay for the landmarker alone. On live frames, when the detector is not
   * loaded yet, its load is started and the search put off until it is there: live feedback never waits for a
   * download.
   */
  private async checkForOtherFaces(
    input: OffscreenCanvas,
    analysis: { width: number; height: number },
    tracked: FaceObservation,
    now: boolean,
  ): Promise<number | undefined> {
    const trackStart = this.framesSinceSecondFaceCheck === Number.POSITIVE_INFINITY;
    if (now || (trackStart && this.faces.detectorLoaded)) {
      const t0 = performance.now();
      await this.searchOtherFaces(input, analysis, tracked.box, now);
      this.framesSinceSecondFaceCheck = 0;
      return performance.now() - t0;
    }
    if (!this.faces.detectorLoaded) {
      // A failed load surfaces on the document path's face check; here the frames simply go on without it.
      this.faces.getDetector().catch(() => undefined);
      return undefined;
    }
    this.framesSinceSecondFaceCheck += 1;
    // Due one frame early: the search sees this frame, and its findings show on the next.
    if (this.framesSinceSecondFaceCheck >= this.secondFaceCheckEvery - 1) {
      this.idleSearch = { tracked: tracked.box, version: this.landmarkInputVersion };
    }
    return undefined;
  }

  /**
   * Faces the detector finds when the landmarker tracks none, kept only when too small for the selfie check: the
   * landmarker's mesh gives up on faces a few tens of pixels wide (on the real-face bench, 5 of 25 faces at 13–24 %
   * of the frame were "no face"), the short-range detector still boxes them. A larger face the landmarker missed is
   * not judged on a box alone (no pose, no eyes): the frame stays NO_FACE. So this can only turn a refusal into
   * another refusal, never into an acceptance.
   */
  private async distantFaces(
    input: OffscreenCanvas,
    analysis: { width: number; height: number },
  ): Promise<FaceObservation[]> {
    // The middle square of the landmarker's copy, half its shorter side: there a face of 13 % of the frame is ~30 px
    // of the detector's 128, where in the whole frame it was the ~17 px the landmarker could not find. A user
    // stepping back keeps the face near the middle of the screen; one off to the side stays NO_FACE.
    const side = Math.round(DISTANT_FACE_SQUARE * Math.min(input.width, input.height));
    const square = { x: (input.width - side) / 2, y: (input.height - side) / 2, side };
    const found = await this.detectInSquare(input, 1, square);
    const factor = analysis.width / input.width;
    const minWidth = FACE_THRESHOLDS[this.profile].minFaceWidth;
    return found
      .map((f) => scaleObservation(f, factor))
      .filter((f) => faceWidthRatio(f, analysis) < minWidth);
  }

  /**
   * Runs the detector on the landmarker's copy and keeps what it found besides the tracked face. For a still
   * (`closer`), also on the squares at the left and right edges at the tracked face's height (SIDE_SQUARE of the
   * shorter side): the whole frame shrinks a second face to ~40 px of the detector's 128, where a soft or half-lit
   * one was missed (3 of 24 two-person frames of real faces).
   */
  private async searchOtherFaces(
    input: OffscreenCanvas,
    analysis: { width: number; height: number },
    tracked: Box,
    closer = false,
  ): Promise<void> {
    // The landmarker's small copy: the detector sees a 128-px square whatever it is given, and at 128 to 384 px
    // input it measured the same (~6 ms, mostly MediaPipe's per-call overhead).
    const found = await this.faces.detectFaces(input, input);
    const factor = analysis.width / input.width;
    if (closer) {
      const side = Math.round(SIDE_SQUARE * Math.min(input.width, input.height));
      const cy = (tracked.y + tracked.height / 2) / factor;
      const y = Math.max(0, Math.min(input.height - side, cy - side / 2));
      for (const x of [0, input.width - side])
        found.push(...(await this.detectInSquare(input, 1, { x, y, side })));
    }
    this.otherFaces = found
      .map((f) => scaleObservation(f, factor))
      .filter((f) => !isTrackedFace(f.box, tracked));
  }

  /**
   * Work put off until a frame has been answered: the periodic search for other faces. The worker calls it right
   * after posting each face result, while the camera's next frame is still tens of ms away; callers that drive
   * the engine directly call it between frames. Skipped when the landmarker's copy has been redrawn since.
   */
  async runIdleWork(): Promise<void> {
    const due = this.idleSearch;
    this.idleSearch = undefined;
    if (!due || due.version !== this.landmarkInputVersion || !this.landmarkCanvas || !this.faceFrameSize) {
      return;
    }
    const t0 = performance.now();
    await this.searchOtherFaces(this.landmarkCanvas, this.faceFrameSize, due.tracked);
    this.idleSearchMs = performance.now() - t0;
    // It stands for the next frame's search (whose answer it is the first to show), so that frame counts as 0.
    this.framesSinceSecondFaceCheck = -1;
  }

  /**
   * Runs synthetic frames through the whole document path (pixel copy, checks) so the first camera frame meets
   * compiled code and allocated buffers: cold, the first analysis costs ~10× a warm one.
   * Card frames and empty textured ones, so both the card checks and the coarser retry get compiled. Yields
   * between frames and stops as soon as a real frame arrives: it must never delay one. Called by the worker
   * when the page asks (`AnalysisClient.prepare()`), ideally while the user is still on the consent screen.
   */
  async warmUp(): Promise<void> {
    const width = this.analysisWidth;
    const height = Math.round((width * 3) / 4);
    const synthetic = new OffscreenCanvas(width, height);
    const ctx = synthetic.getContext('2d')!;
    let previousQuad: Quad | undefined;
    for (let run = 0; run < WARM_UP_FRAMES && !this.realFrameSeen; run++) {
      drawWarmUpScene(ctx, width, height, run, run % 3 !== 2);
      const bitmap = synthetic.transferToImageBitmap();
      try {
        // The whole path a camera frame takes, with the options the widget sends (a still resolution, the last
        // quad): V8 compiles for the shapes it has seen, and a new one on the first real frame would cost a
        // recompilation there. No face or barcode check: those would load models. The reader's buffer is
        // rewritten by every frame, so a real frame never sees these pixels.
        const result = await this.analyseDocument(bitmap, {
          side: 'front',
          kind: 'id1',
          faceCheck: 'skip',
          captureResolution: { width: 1920, height: 1080 },
          previousQuad,
        });
        previousQuad = result.quad;
      } finally {
        bitmap.close();
      }
      // Let a queued real frame in; the loop then ends.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /**
   * Loads both face tasks and runs each once on a blank frame: MediaPipe sets up its inference graph on the first
   * call, which would otherwise land on the user's first selfie frame.
   */
  async preloadFaces(): Promise<void> {
    await Promise.all([this.faces.getDetector(), this.faces.getLandmarker()]);
    const blank = new OffscreenCanvas(this.analysisWidth, Math.round((this.analysisWidth * 3) / 4));
    const ctx = blank.getContext('2d')!;
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, blank.width, blank.height);
    await this.faces.detectFaces(blank, blank);
    // At the size the landmarker will be fed, so nothing in either graph is set up again on the first selfie
    // frame (the detector looks for other faces on that copy too).
    const input = this.landmarkInput(blank, blank);
    await this.faces.detectFaces(input, input);
    await this.faces.landmarks(input, blank, 0);
  }

  async dispose(): Promise<void> {
    // Ends a warm-up still running.
    this.realFrameSeen = true;
    await this.faces.close();
  }
}
