import { CaptureGate } from '../analysis/index.js';
import type { AnalysisClient } from './analysis-client.js';
import type { FaceFrameResult } from './analysis-protocol.js';
import type { CaptureMethod } from './document-capture.js';
import { FrameLoop } from './frame-loop.js';

/** A selfie at full source resolution with the checks it passed or failed. */
export interface CapturedFace {
  blob: Blob;
  width: number;
  height: number;
  method: CaptureMethod;
  assessment: FaceFrameResult;
  /** Accepted although checks failed, after the retake cap. */
  flagged: boolean;
  attempt: number;
}

export interface FaceCaptureOptions {
  video: HTMLVideoElement;
  analysis: AnalysisClient;
  requiredConsecutive?: number;
  manualAfterMs?: number;
  maxAttempts?: number;
  maxFps?: number;
  onFeedback?: (result: FaceFrameResult) => void;
  onManualAvailable?: () => void;
  onCaptured?: (capture: CapturedFace) => void;
  onError?: (err: unknown) => void;
}

async function toJpeg(bitmap: ImageBitmap): Promise<Blob> {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
}

/**
 * Live selfie capture: face landmarks per frame (MediaPipe in the worker), auto-capture when one frontal, centred,
 * sharp face with open eyes holds for N frames, manual shutter after a timeout, file capture through the same checks.
 */
export class FaceCapture {
  private readonly gate: CaptureGate;
  private loop: FrameLoop | undefined;
  private best: { id: number; bitmap: ImageBitmap } | undefined;
  private manualTimer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private bestRejected: CapturedFace | undefined;
  private done = false;

  constructor(private readonly options: FaceCaptureOptions) {
    this.gate = new CaptureGate({ requiredConsecutive: options.requiredConsecutive ?? 3 });
  }

  get canAcceptFlagged(): boolean {
    return this.attempts >= (this.options.maxAttempts ?? 3) && this.bestRejected !== undefined;
  }

  start(): void {
    this.done = false;
    this.gate.reset();
    this.loop = new FrameLoop({
      video: this.options.video,
      maxFps: this.options.maxFps ?? 10,
      analyse: (video, frame) => this.analyseFrame(video, frame.id, frame.timeMs),
      onError: this.options.onError,
    });
    this.loop.start();
    this.manualTimer = setTimeout(
      () => this.options.onManualAvailable?.(),
      this.options.manualAfterMs ?? 8000,
    );
  }

  stop(): void {
    this.loop?.stop();
    this.loop = undefined;
    clearTimeout(this.manualTimer);
    this.best?.bitmap.close();
    this.best = undefined;
  }

  async captureManual(): Promise<CapturedFace> {
    return this.finish(await createImageBitmap(this.options.video), 'manual');
  }

  async captureFile(file: Blob): Promise<CapturedFace> {
    return this.finish(await createImageBitmap(file, { imageOrientation: 'from-image' }), 'upload');
  }

  retake(): void {
    this.attempts++;
    this.start();
  }

  acceptFlagged(): CapturedFace | undefined {
    if (!this.canAcceptFlagged || !this.bestRejected) return undefined;
    const accepted = { ...this.bestRejected, flagged: true };
    this.options.onCaptured?.(accepted);
    return accepted;
  }

  private async analyseFrame(video: HTMLVideoElement, id: number, timeMs: number): Promise<void> {
    if (this.done) return;
    const full = await createImageBitmap(video);
    const small = await createImageBitmap(full, {
      resizeWidth: Math.min(640, full.width),
      resizeQuality: 'medium',
    });
    const result = await this.options.analysis.face(small, timeMs);
    this.options.onFeedback?.(result);
    const gate = this.gate.push(id, { ok: result.ok, score: result.score });
    if (result.ok && (!this.best || gate.bestFrameId === id)) {
      this.best?.bitmap.close();
      this.best = { id, bitmap: full };
    } else {
      full.close();
      if (!result.ok) {
        this.best?.bitmap.close();
        this.best = undefined;
      }
    }
    if (gate.ready && this.best && !this.done) {
      const { bitmap } = this.best;
      this.best = undefined;
      await this.finish(bitmap, 'auto');
    }
  }

  private async finish(bitmap: ImageBitmap, method: CaptureMethod): Promise<CapturedFace> {
    this.done = true;
    this.stop();
    const check = await createImageBitmap(bitmap, {
      resizeWidth: Math.min(640, bitmap.width),
      resizeQuality: 'medium',
    });
    const assessment = await this.options.analysis.face(check, performance.now());
    const capture: CapturedFace = {
      blob: await toJpeg(bitmap),
      width: bitmap.width,
      height: bitmap.height,
      method,
      assessment,
      flagged: false,
      attempt: this.attempts + 1,
    };
    bitmap.close();
    if (!assessment.ok && (!this.bestRejected || assessment.score > this.bestRejected.assessment.score))
      this.bestRejected = capture;
    this.options.onCaptured?.(capture);
    return capture;
  }
}
