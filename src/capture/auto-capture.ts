import { CaptureGate } from '../analysis/index.js';
import { FrameLoop } from './frame-loop.js';

export type CaptureMethod = 'auto' | 'manual' | 'upload';

/** A still that left the camera (or a file), at full source resolution, with the checks it passed or failed. */
export interface Captured<A> {
  blob: Blob;
  width: number;
  height: number;
  method: CaptureMethod;
  assessment: A;
  /** Accepted although checks failed, after the retake cap: the server is told, the user is not stuck. */
  flagged: boolean;
  attempt: number;
}

/** What every live capture session takes, whatever it assesses. */
export interface AutoCaptureOptions<A> {
  video: HTMLVideoElement;
  /** Frames in a row that must pass before auto-capture (default 3). */
  requiredConsecutive?: number;
  /** The manual shutter appears after this long without an auto-capture (default 8 s). */
  manualAfterMs?: number;
  /** After this many rejected attempts the user may continue with the best image, flagged (default 3). */
  maxAttempts?: number;
  /** Analysis rate cap (default 10 fps). */
  maxFps?: number;
  onFeedback?: (result: A) => void;
  onManualAvailable?: () => void;
  onCaptured?: (capture: Captured<A>) => void;
  onError?: (err: unknown) => void;
}

/**
 * Live capture, the part documents and selfies share: analyses frames, keeps the best-scoring full-resolution frame
 * of the current passing streak, captures it when the streak is long enough, offers a manual shutter after a
 * timeout, runs stills from a file through the same final check, and caps retakes (then a refused still may be
 * accepted, flagged). Subclasses say how a live frame and a final still are assessed. It owns no UI.
 *
 * One verdict: the final check of an auto-capture (at full resolution, with the face and barcode checks waited
 * for) is the last step of the live check. A frame that fails it was never accepted: its result is shown as live
 * feedback and capture goes on, so the review screen never refuses a photo the live check took.
 */
export abstract class AutoCapture<A extends { ok: boolean; score: number }> {
  private readonly gate: CaptureGate;
  private loop: FrameLoop | undefined;
  private best: { id: number; bitmap: ImageBitmap } | undefined;
  private manualTimer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private bestRejected: Captured<A> | undefined;
  private done = false;

  constructor(
    private readonly common: AutoCaptureOptions<A>,
    /** JPEG quality of the captured still (before the upload compression). */
    private readonly jpegQuality: number,
  ) {
    this.gate = new CaptureGate({ requiredConsecutive: common.requiredConsecutive ?? 3 });
  }

  /** Assesses one live frame (full resolution); `passing` may be stricter than `result.ok`. */
  protected abstract assessFrame(full: ImageBitmap, timeMs: number): Promise<{ result: A; passing: boolean }>;

  /** The final check of a still about to be offered for review. */
  protected abstract assessStill(bitmap: ImageBitmap): Promise<A>;

  /** Called when a session (re)starts, e.g. to warm up what the checks need. */
  protected onStart(): void {}

  /** True once the retake cap is reached: the user may continue with a refused image, flagged. */
  get canAcceptFlagged(): boolean {
    return this.attempts >= (this.common.maxAttempts ?? 3);
  }

  start(): void {
    this.done = false;
    this.onStart();
    this.startLoop();
    clearTimeout(this.manualTimer);
    this.manualTimer = setTimeout(() => this.common.onManualAvailable?.(), this.common.manualAfterMs ?? 8000);
  }

  private startLoop(): void {
    this.gate.reset();
    this.loop?.stop();
    this.loop = new FrameLoop({
      video: this.common.video,
      maxFps: this.common.maxFps ?? 10,
      analyse: (video, frame) => this.analyseFrame(video, frame.id, frame.timeMs),
      onError: this.common.onError,
    });
    this.loop.start();
  }

  stop(): void {
    this.loop?.stop();
    this.loop = undefined;
    clearTimeout(this.manualTimer);
    this.best?.bitmap.close();
    this.best = undefined;
  }

  /** The shutter: takes the current frame now and gives it the final check. */
  async captureManual(): Promise<Captured<A>> {
    return this.finish(await createImageBitmap(this.common.video), 'manual');
  }

  /** A still chosen from a file: same final check as a camera frame. */
  async captureFile(file: Blob): Promise<Captured<A>> {
    return this.finish(await createImageBitmap(file, { imageOrientation: 'from-image' }), 'upload');
  }

  /** Marks the last capture as rejected by the user or the checks; counts toward the retake cap. */
  retake(): void {
    this.attempts++;
    this.start();
  }

  /**
   * After the retake cap: continue with `capture` (the refused photo on the review screen), flagged so the server
   * knows; without one, with the best refused photo so far.
   */
  acceptFlagged(capture?: Captured<A>): Captured<A> | undefined {
    const chosen = capture ?? this.bestRejected;
    if (!this.canAcceptFlagged || !chosen) return undefined;
    const accepted = { ...chosen, flagged: !chosen.assessment.ok };
    this.common.onCaptured?.(accepted);
    return accepted;
  }

  private async analyseFrame(video: HTMLVideoElement, id: number, timeMs: number): Promise<void> {
    if (this.done) return;
    const full = await createImageBitmap(video);
    const { result, passing } = await this.assessFrame(full, timeMs);
    this.common.onFeedback?.(result);
    const gate = this.gate.push(id, { ok: passing, score: result.score });
    if (passing && (!this.best || gate.bestFrameId === id)) {
      this.best?.bitmap.close();
      this.best = { id, bitmap: full };
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
      await this.finishAuto(bitmap);
    }
  }

  /** The streak is complete: the final check decides, and a failure sends the user back to live capture. */
  private async finishAuto(bitmap: ImageBitmap): Promise<void> {
    this.done = true;
    const assessment = await this.assessStill(bitmap);
    if (!assessment.ok) {
      bitmap.close();
      if (!this.loop) return; // stopped meanwhile (step left, manual shutter)
      this.done = false;
      this.common.onFeedback?.(assessment);
      this.startLoop();
      return;
    }
    await this.finish(bitmap, 'auto', assessment);
  }

  private async finish(bitmap: ImageBitmap, method: CaptureMethod, checked?: A): Promise<Captured<A>> {
    this.done = true;
    this.stop();
    const assessment = checked ?? (await this.assessStill(bitmap));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    const capture: Captured<A> = {
      blob: await canvas.convertToBlob({ type: 'image/jpeg', quality: this.jpegQuality }),
      width: bitmap.width,
      height: bitmap.height,
      method,
      assessment,
      flagged: false,
      attempt: this.attempts + 1,
    };
    bitmap.close();
    if (!assessment.ok && (!this.bestRejected || assessment.score > this.bestRejected.assessment.score)) {
      this.bestRejected = capture;
    }
    this.common.onCaptured?.(capture);
    return capture;
  }
}
