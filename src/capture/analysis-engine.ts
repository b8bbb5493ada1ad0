/**
 * The analysis that runs inside the worker (and, for tests or browsers without module workers, on the main
 * thread): frame → scaled pixels → pure checks from `src/analysis`, plus MediaPipe faces when needed.
 */
import { assessDocumentFrame, assessFaceFrame } from '../analysis/index.js';
import type { CaptureProfile, FaceObservation, FrameLike } from '../analysis/types.js';
import type { DocumentFrameOptions, DocumentFrameResult, FaceFrameResult } from './analysis-protocol.js';
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
  private canvas: OffscreenCanvas | undefined;
  private readonly profile: CaptureProfile;
  private readonly analysisWidth: number;

  constructor(options: AnalysisEngineOptions) {
    this.profile = options.profile ?? 'phone';
    this.analysisWidth = options.analysisWidth ?? 640;
    this.faces = new FaceRuntime({ assetBase: options.assetBase, onProgress: options.onProgress });
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
    let faces: FaceObservation[] | undefined;
    const wantFace = options.side !== 'back' && (options.faceCheck ?? 'if-ready') !== 'skip';
    const runFace = wantFace && (options.faceCheck === 'wait' || this.faces.detectorReady);
    if (runFace) faces = await this.faces.detectFaces(canvas, image);
    const a = assessDocumentFrame(image, {
      kind: options.kind,
      side: options.side,
      profile: this.profile,
      previousQuad: options.previousQuad,
      requireFaceOnDocument: runFace,
      faces,
      captureResolution: { width: frame.width, height: frame.height },
    });
    return {
      ok: a.ok,
      issues: a.issues,
      score: a.score,
      quad: a.quad,
      metrics: { ...a.metrics },
      faces,
      faceCheck: runFace ? 'done' : 'skipped',
      scale,
      analysisWidth: image.width,
      analysisHeight: image.height,
      ms: performance.now() - t0,
    };
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

  async dispose(): Promise<void> {
    await this.faces.close();
  }
}
