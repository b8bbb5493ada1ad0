/**
 * Runs one liveness challenge against the live camera (DESIGN.md §5): face landmarks per frame from the analysis
 * worker, {@link LivenessTracker} for the guidance, the full-resolution frame kept at each action's peak and at
 * the neutral poses, compressed and uploaded as soon as it is chosen, then `complete`. The server's answer
 * (DONE / RETRY / EXHAUSTED) is the only verdict; this class never decides liveness. It owns no UI.
 */
import {
  type LivenessHint,
  type LivenessFrameTag,
  LivenessTracker,
  type LivenessTrackerPhase,
} from '../analysis/liveness-tracker.js';
import { measureFace } from '../analysis/liveness-measures.js';
import type {
  LivenessAction,
  LivenessChallenge,
  LivenessCompleteResponse,
  LivenessFrameMeta,
} from '../shared/api/liveness.js';
import type { AnalysisClient } from './analysis-client.js';
import { compressImage } from './compression.js';
import { FrameLoop } from './frame-loop.js';
import { LIVENESS_CHALLENGE_TTL_MS, LIVENESS_MAX_FRAMES } from '../shared/liveness-limits.js';

/** The part of the session client a challenge needs (an interface, so tests and benches can stand in for it). */
export interface LivenessTransport {
  uploadLivenessFrame(
    link: string,
    image: Blob,
    meta: LivenessFrameMeta,
    signal?: AbortSignal,
  ): Promise<unknown>;
  completeLiveness(
    link: string,
    body: { nonce: string },
    signal?: AbortSignal,
  ): Promise<LivenessCompleteResponse['liveness']>;
}

/** What the UI shows while a challenge runs. */
export interface LivenessGuidance {
  phase: LivenessTrackerPhase;
  step: number;
  action: LivenessAction | undefined;
  /** 0…1, for a progress ring of the current action. */
  progress: number;
  hint: LivenessHint | undefined;
  /** Frames uploaded so far. */
  framesSent: number;
}

export type LivenessRunResult =
  | { outcome: 'answered'; liveness: LivenessCompleteResponse['liveness'] }
  /** The user did not finish a step in time: offer "try again" (a new challenge). */
  | { outcome: 'timeout'; step: number }
  | { outcome: 'stopped' };

export interface LivenessCaptureOptions {
  video: HTMLVideoElement;
  analysis: AnalysisClient;
  transport: LivenessTransport;
  challenge: LivenessChallenge;
  /** Longest time for one step (the neutral pose or one action) before giving up (default 12 s). */
  stepTimeoutMs?: number;
  /** Analysis rate cap (default 10 fps). */
  maxFps?: number;
  /** Width the worker analyses (default 640). */
  analysisWidth?: number;
  onGuidance?: (guidance: LivenessGuidance) => void;
  /** A frame's cost on this device: face analysis and tracking, ms (for the benchmark). */
  onFrameTimed?: (ms: number) => void;
  /** Injected for tests: the monotonic clock. */
  now?: () => number;
}

interface KeptFrame {
  bitmap: ImageBitmap;
  atMs: number;
}

export class LivenessCaptureError extends Error {
  override readonly name = 'LivenessCaptureError';
  constructor(
    readonly code: 'FRAME_ENCODING_FAILED' | 'TOO_MANY_FRAMES',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * @example
 * const run = new LivenessCapture({ video, analysis, transport: sessionClient, challenge });
 * const result = await run.run();
 * if (result.outcome === 'answered' && result.liveness.status === 'RETRY') … // ask for a new challenge
 */
export class LivenessCapture {
  private readonly tracker: LivenessTracker;
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private loop: FrameLoop | undefined;
  private kept: KeptFrame | undefined;
  private nextIndex = 0;
  /** Uploads run one after another, in index order, while the user goes on. */
  private uploads: Promise<void> = Promise.resolve();
  private uploadFailure: unknown;
  private framesSent = 0;
  private shownAt = 0;
  private stepKey = '';
  private stepTimer: ReturnType<typeof setTimeout> | undefined;
  private settle: ((result: LivenessRunResult) => void) | undefined;
  private fail: ((error: unknown) => void) | undefined;
  private finished = false;

  constructor(private readonly options: LivenessCaptureOptions) {
    const { challenge } = options;
    this.tracker = new LivenessTracker({ actions: challenge.actions, burstFrames: challenge.burstFrames });
    this.now = options.now ?? (() => performance.now());
  }

  /** Runs the challenge until the server answers, a step times out, or {@link stop}. */
  run(): Promise<LivenessRunResult> {
    this.shownAt = this.now();
    return new Promise<LivenessRunResult>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
      this.restartStepTimer();
      this.loop = new FrameLoop({
        video: this.options.video,
        maxFps: this.options.maxFps ?? 10,
        analyse: (video) => this.analyseFrame(video),
        onError: (error) => this.end(undefined, error),
      });
      this.loop.start();
      this.report(undefined, 0);
    });
  }

  /** Stops the camera analysis and pending uploads; `run()` resolves `stopped`. */
  stop(): void {
    this.end({ outcome: 'stopped' });
    this.abort.abort();
  }

  private end(result: LivenessRunResult | undefined, error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.loop?.stop();
    clearTimeout(this.stepTimer);
    this.kept?.bitmap.close();
    this.kept = undefined;
    if (result) this.settle?.(result);
    else this.fail?.(error);
  }

  private restartStepTimer(): void {
    clearTimeout(this.stepTimer);
    this.stepTimer = setTimeout(
      () => this.end({ outcome: 'timeout', step: this.tracker.step }),
      this.options.stepTimeoutMs ?? 12_000,
    );
  }

  private async analyseFrame(video: HTMLVideoElement): Promise<void> {
    if (this.finished) return;
    const full = await createImageBitmap(video);
    const atMs = this.now() - this.shownAt;
    const started = performance.now();
    let keptThis = false;
    try {
      const width = Math.min(this.options.analysisWidth ?? 640, full.width);
      const small = await createImageBitmap(full, { resizeWidth: width, resizeQuality: 'medium' });
      // Read before the bitmap is transferred to the worker (a transferred bitmap reports 0 × 0).
      const frame = { width: small.width, height: small.height };
      const result = await this.options.analysis.face(small, atMs);
      if (this.finished) return;
      const face = result.faces.length === 1 ? result.faces[0] : undefined;
      // Boxes come back in analysis pixels: the frame as sent, divided by the worker's scale.
      const analysed = { width: frame.width / result.scale, height: frame.height / result.scale };
      const measures = face?.landmarks?.length
        ? measureFace(
            { box: face.box, landmarks: face.landmarks, transformationMatrix: face.transformationMatrix },
            analysed,
          )
        : undefined;
      const update = this.tracker.push(measures, atMs);
      this.options.onFrameTimed?.(performance.now() - started);
      if (update.keep) {
        this.kept?.bitmap.close();
        this.kept = { bitmap: full, atMs };
        keptThis = true;
      }
      if (update.send) this.send(update.send);
      this.report(update.hint, update.shownProgress);
      const key = `${update.phase}:${update.step}`;
      if (key !== this.stepKey) {
        this.stepKey = key;
        // Going back to neutral is part of the action that was just done: it does not get a clock of its own.
        if (update.phase !== 'return') this.restartStepTimer();
      }
      if (update.phase === 'complete') await this.complete();
    } finally {
      if (!keptThis) full.close();
    }
  }

  private report(hint: LivenessHint | undefined, progress: number): void {
    this.options.onGuidance?.({
      phase: this.tracker.phase,
      step: this.tracker.step,
      action:
        this.tracker.phase === 'complete' ? undefined : this.options.challenge.actions[this.tracker.step],
      progress,
      hint,
      framesSent: this.framesSent,
    });
  }

  /** Hands the kept frame to the upload chain (the bitmap is now the chain's). */
  private send(tag: LivenessFrameTag): void {
    const kept = this.kept;
    this.kept = undefined;
    if (!kept) return;
    if (this.nextIndex >= LIVENESS_MAX_FRAMES) {
      kept.bitmap.close();
      this.uploadFailure ??= new LivenessCaptureError(
        'TOO_MANY_FRAMES',
        'The challenge needs more frames than allowed',
      );
      return;
    }
    const meta: LivenessFrameMeta = {
      nonce: this.options.challenge.nonce,
      index: this.nextIndex++,
      kind: tag.kind,
      step: tag.step,
      ...(tag.action ? { action: tag.action } : {}),
      capturedAtMs: Math.min(Math.max(0, Math.round(kept.atMs)), LIVENESS_CHALLENGE_TTL_MS),
    };
    const encoded = encodeFrame(kept.bitmap);
    this.uploads = this.uploads.then(async () => {
      if (this.uploadFailure || this.abort.signal.aborted) return;
      try {
        const { blob } = await compressImage(await encoded, 'liveness', this.abort.signal);
        await this.options.transport.uploadLivenessFrame(
          this.options.challenge.links.frames,
          blob,
          meta,
          this.abort.signal,
        );
        this.framesSent++;
      } catch (error) {
        this.uploadFailure ??= error;
      }
    });
  }

  private async complete(): Promise<void> {
    this.loop?.stop();
    clearTimeout(this.stepTimer);
    await this.uploads;
    if (this.finished) return;
    if (this.uploadFailure) {
      this.end(undefined, this.uploadFailure);
      return;
    }
    try {
      const liveness = await this.options.transport.completeLiveness(
        this.options.challenge.links.complete,
        { nonce: this.options.challenge.nonce },
        this.abort.signal,
      );
      this.report(undefined, 1);
      this.end({ outcome: 'answered', liveness });
    } catch (error) {
      this.end(undefined, error);
    }
  }
}

/** The frame as JPEG, unmirrored and at full resolution (the upload compression scales it down). */
async function encodeFrame(bitmap: ImageBitmap): Promise<Blob> {
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
  } catch (cause) {
    throw new LivenessCaptureError('FRAME_ENCODING_FAILED', 'Could not encode a liveness frame', { cause });
  } finally {
    bitmap.close();
  }
}
