/**
 * The analysis that runs inside the worker (and, for tests or browsers without module workers, on the main
 * thread): frame → scaled pixels → pure checks from `src/analysis`, plus MediaPipe faces when needed.
 */
import { assessDocumentFrame, assessFaceFrame } from '../analysis/index.js';
import type { CaptureProfile, FaceObservation, FrameLike, Quad } from '../analysis/types.js';
import type { DocumentFrameOptions, DocumentFrameResult, FaceFrameResult } from './analysis-protocol.js';
import { BarcodeReader, type BarcodeReadResult } from './barcode.js';
import { FaceRuntime, type FaceRuntimeStage } from './face-runtime.js';

export interface AnalysisEngineOptions {
  assetBase: string;
  profile?: CaptureProfile;
  /** Width the checks run at (default 640): enough for the metrics, cheap enough for every frame. */
  analysisWidth?: number;
  onProgress?: (stage: FaceRuntimeStage, done: number, total: number) => void;
}

export class AnalysisEngine {
  readonly faces: FaceRuntime;
  /** zxing, imported and instantiated on the first licence back only. */
  readonly barcodes: BarcodeReader;
  /** The background load started by the first licence-back frame (not retried per frame when it fails). */
  private barcodeWarmUp: Promise<unknown> | undefined;
  private canvas: OffscreenCanvas | undefined;
  private tile: OffscreenCanvas | undefined;
  private readonly profile: CaptureProfile;
  private readonly analysisWidth: number;

  constructor(options: AnalysisEngineOptions) {
    this.profile = options.profile ?? 'phone';
    this.analysisWidth = options.analysisWidth ?? 640;
    this.faces = new FaceRuntime({ assetBase: options.assetBase, onProgress: options.onProgress });
    this.barcodes = new BarcodeReader({ assetBase: options.assetBase });
  }

  /** Draws the frame scaled to the analysis width and reads its pixels. */
  private pixels(frame: ImageBitmap): { image: FrameLike; canvas: OffscreenCanvas; scale: number } {
    const scale = Math.max(1, frame.width / this.analysisWidth);
    const width = Math.round(frame.width / scale);
    const height = Math.round(frame.height / scale);
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new OffscreenCanvas(width, height);
    }
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(frame, 0, 0, width, height);
    return { image: ctx.getImageData(0, 0, width, height), canvas: this.canvas, scale };
  }

  async document(frame: ImageBitmap, options: DocumentFrameOptions): Promise<DocumentFrameResult> {
    const t0 = performance.now();
    const { image, canvas, scale } = this.pixels(frame);
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
    // The face check costs a few detector runs, so it only runs on frames that pass everything else.
    const runFace =
      wantFace && a.ok && a.quad !== undefined && (options.faceCheck === 'wait' || this.faces.detectorReady);
    if (runFace && a.quad) {
      faces = await this.facesOnCard(canvas, a.quad);
      a = assessDocumentFrame(image, { ...base, requireFaceOnDocument: true, faces });
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
      a = assessDocumentFrame(image, {
        ...base,
        requireFaceOnDocument: runFace,
        faces,
        barcodeReadable: barcode.status === 'decoded',
      });
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
    };
  }

  /**
   * The short-range detector sees a 128-px square, where a card portrait in a whole frame is a few pixels wide.
   * So it runs on square tiles as tall as the card (left, middle, right), and boxes are mapped back to the frame.
   */
  private async facesOnCard(canvas: OffscreenCanvas, quad: Quad): Promise<FaceObservation[]> {
    const xs = quad.map((p) => p.x);
    const ys = quad.map((p) => p.y);
    const left = Math.max(0, Math.min(...xs));
    const top = Math.max(0, Math.min(...ys));
    const width = Math.min(canvas.width, Math.max(...xs)) - left;
    const height = Math.min(canvas.height, Math.max(...ys)) - top;
    const side = Math.round(Math.min(width, height));
    if (side < 16) return [];
    const offsets = width > side ? [0, (width - side) / 2, width - side] : [0];
    this.tile ??= new OffscreenCanvas(side, side);
    if (this.tile.width !== side) this.tile = new OffscreenCanvas(side, side);
    const ctx = this.tile.getContext('2d')!;
    const found: FaceObservation[] = [];
    for (const dx of offsets) {
      ctx.drawImage(canvas, left + dx, top, side, side, 0, 0, side, side);
      for (const f of await this.faces.detectFaces(this.tile, { width: side, height: side })) {
        found.push({
          ...f,
          box: { ...f.box, x: f.box.x + left + dx, y: f.box.y + top },
          keypoints: f.keypoints?.map((k) => ({ x: k.x + left + dx, y: k.y + top })),
        });
      }
    }
    return found;
  }

  async face(frame: ImageBitmap, timestampMs: number): Promise<FaceFrameResult> {
    const t0 = performance.now();
    const { image, canvas, scale } = this.pixels(frame);
    const faces = await this.faces.landmarks(canvas, image, timestampMs);
    const a = assessFaceFrame(image, faces, { profile: this.profile });
    return {
      ok: a.ok,
      issues: a.issues,
      score: a.score,
      metrics: { ...a.metrics },
      faces,
      scale,
      ms: performance.now() - t0,
    };
  }

  /**
   * Runs the document checks on a synthetic card frame so the first camera frame meets compiled code: cold, the
   * first analysis costs ~10× a warm one. Called by the worker right after `configure`, while the camera starts.
   */
  warmUp(): void {
    const canvas = new OffscreenCanvas(640, 480);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#3a3f46';
    ctx.fillRect(0, 0, 640, 480);
    ctx.fillStyle = '#e8ecef';
    ctx.fillRect(120, 114, 400, 252);
    ctx.fillStyle = '#1c2430';
    for (let line = 0; line < 8; line++) ctx.fillRect(300, 150 + line * 24, 180 - (line % 3) * 40, 8);
    ctx.fillRect(140, 150, 130, 160);
    // Synchronous and on its own canvas: a real frame cannot interleave with it or see its pixels.
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    for (let run = 0; run < 2; run++) assessDocumentFrame(image, { profile: this.profile, side: 'front' });
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
    await this.faces.landmarks(blank, blank, 0);
  }

  async dispose(): Promise<void> {
    await this.faces.close();
  }
}
