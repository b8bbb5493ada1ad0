import { CaptureGate } from '../analysis/index.js';
import type { DocumentKind, Quad } from '../analysis/types.js';
import type { AnalysisClient } from './analysis-client.js';
import type { DocumentFrameResult } from './analysis-protocol.js';
import { FrameLoop } from './frame-loop.js';

export type CaptureMethod = 'auto' | 'manual' | 'upload';

/** A still that left the camera (or a file), at full source resolution, with the checks it passed or failed. */
export interface CapturedImage {
  blob: Blob;
  width: number;
  height: number;
  method: CaptureMethod;
  assessment: DocumentFrameResult;
  /** Accepted although checks failed, after the retake cap: the server is told, the user is not stuck. */
  flagged: boolean;
  attempt: number;
}

export interface DocumentCaptureOptions {
  video: HTMLVideoElement;
  analysis: AnalysisClient;
  side: 'front' | 'back';
  kind?: DocumentKind;
  /**
   * Barcode that must decode before the side is accepted: `pdf417` on the back of US / CA driving licences
   * (BARCODE_UNREADABLE otherwise). zxing loads in the background when this step starts.
   */
  barcode?: 'pdf417';
  /** Frames in a row that must pass before auto-capture (default 3). */
  requiredConsecutive?: number;
  /** The manual shutter appears after this long without an auto-capture (default 8 s). */
  manualAfterMs?: number;
  /** After this many rejected attempts the user may continue with the best image, flagged (default 3). */
  maxAttempts?: number;
  /** Analysis rate cap (default 10 fps). */
  maxFps?: number;
  onFeedback?: (result: DocumentFrameResult) => void;
  onManualAvailable?: () => void;
  onCaptured?: (capture: CapturedImage) => void;
  onError?: (err: unknown) => void;
}

async function toJpeg(bitmap: ImageBitmap): Promise<Blob> {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 });
}

/**
 * Live document capture: analyses frames, keeps the best-scoring full-resolution frame of the current passing
 * streak, captures it when the streak is long enough, and offers a manual shutter after a timeout. Stills from a
 * file go through the same assessment. Elements drive it; it owns no UI.
 */
export class DocumentCapture {
  private readonly gate: CaptureGate;
  private loop: FrameLoop | undefined;
  private best: { id: number; bitmap: ImageBitmap; result: DocumentFrameResult } | undefined;
  private previousQuad: Quad | undefined;
  private manualTimer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private bestRejected: CapturedImage | undefined;
  private done = false;

  constructor(private readonly options: DocumentCaptureOptions) {
    this.gate = new CaptureGate({ requiredConsecutive: options.requiredConsecutive ?? 3 });
  }

  /** True once the user may continue with a flagged image. */
  get canAcceptFlagged(): boolean {
    return this.attempts >= (this.options.maxAttempts ?? 3) && this.bestRejected !== undefined;
  }

  start(): void {
    this.done = false;
    if (this.options.barcode) this.options.analysis.preload('barcode').catch(() => undefined);
    this.gate.reset();
    this.loop = new FrameLoop({
      video: this.options.video,
      maxFps: this.options.maxFps ?? 10,
      analyse: (video, frame) => this.analyseFrame(video, frame.id),
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

  /** The shutter: takes the current frame now, checks it including the face on the card. */
  async captureManual(): Promise<CapturedImage> {
    const bitmap = await createImageBitmap(this.options.video);
    return this.finish(bitmap, 'manual');
  }

  /** A still chosen from a file: same checks as a camera frame. */
  async captureFile(file: Blob): Promise<CapturedImage> {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    return this.finish(bitmap, 'upload');
  }

  /** Marks the last capture as rejected by the user or the checks; counts toward the retake cap. */
  retake(): void {
    this.attempts++;
    this.start();
  }

  /** After the retake cap: continue with the best rejected image, flagged. */
  acceptFlagged(): CapturedImage | undefined {
    if (!this.canAcceptFlagged || !this.bestRejected) return undefined;
    const accepted = { ...this.bestRejected, flagged: true };
    this.options.onCaptured?.(accepted);
    return accepted;
  }

  private async analyseFrame(video: HTMLVideoElement, id: number): Promise<void> {
    if (this.done) return;
    const full = await createImageBitmap(video);
    // The worker checks a 640-wide copy either way; a licence back goes larger because the barcode is read from
    // the frame as sent, and PDF417 modules need ~2 px each.
    const small = await createImageBitmap(full, {
      resizeWidth: Math.min(this.options.barcode ? 1280 : 640, full.width),
      resizeQuality: 'medium',
    });
    const result = await this.options.analysis.document(small, {
      side: this.options.side,
      kind: this.options.kind,
      faceCheck: 'if-ready',
      barcode: this.options.barcode,
      previousQuad: this.previousQuad,
      captureResolution: { width: full.width, height: full.height },
    });
    // the worker saw a 640-wide copy: report scale against the full frame
    result.scale = full.width / result.analysisWidth;
    this.previousQuad = result.quad;
    this.options.onFeedback?.(result);
    // While zxing is still loading the barcode is unchecked: such frames give feedback but do not count.
    const passing = result.ok && (!this.options.barcode || result.barcodeCheck === 'done');
    const gate = this.gate.push(id, { ok: passing, score: result.score });
    if (passing && (!this.best || gate.bestFrameId === id)) {
      this.best?.bitmap.close();
      this.best = { id, bitmap: full, result };
    } else {
      full.close();
      if (!passing) {
        this.best?.bitmap.close();
        this.best = undefined;
      }
    }
    if (gate.ready && this.best && !this.done) {
      const { bitmap } = this.best;
      this.best = undefined;
      this.loop?.stop();
      await this.finish(bitmap, 'auto');
    }
  }

  private async finish(bitmap: ImageBitmap, method: CaptureMethod): Promise<CapturedImage> {
    this.done = true;
    this.stop();
    // The barcode is read from the frame as sent, so a licence back goes at full resolution (the worker still
    // runs the other checks on a 640-wide copy).
    const check = this.options.barcode
      ? await createImageBitmap(bitmap)
      : await createImageBitmap(bitmap, {
          resizeWidth: Math.min(640, bitmap.width),
          resizeQuality: 'medium',
        });
    const assessment = await this.options.analysis.document(check, {
      side: this.options.side,
      kind: this.options.kind,
      faceCheck: 'wait',
      barcode: this.options.barcode,
      barcodeCheck: 'wait',
      // the check copy is downscaled: judge resolution on the still that will be uploaded
      captureResolution: { width: bitmap.width, height: bitmap.height },
    });
    assessment.scale = bitmap.width / assessment.analysisWidth;
    const capture: CapturedImage = {
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
