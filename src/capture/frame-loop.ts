/**
 * Pulls frames from a playing `<video>` and hands them to an async analyser, never more than one in flight and
 * never faster than `maxFps`. Uses `requestVideoFrameCallback` (one call per decoded frame) where available,
 * else `requestAnimationFrame`. Pauses while the tab is hidden.
 */
export interface FrameInfo {
  /** Increasing id of the frame handed to the analyser. */
  id: number;
  /** Presentation time in ms (video media time when known). */
  timeMs: number;
}

export interface FrameLoopOptions {
  video: HTMLVideoElement;
  /** Called with the video element itself; grab what you need (e.g. `createImageBitmap(video)`) before awaiting. */
  analyse: (video: HTMLVideoElement, frame: FrameInfo) => Promise<void>;
  /** Cap on analysed frames per second (default 12): analysis costs battery, and the UI does not need more. */
  maxFps?: number;
  /** Fatal errors of the analyser end the loop and land here; "nothing found" is a normal result, not an error. */
  onError?: (err: unknown) => void;
  /** Injected for tests; defaults to `document`. */
  doc?: Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;
}

type VideoWithRvfc = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, meta: { mediaTime: number }) => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

export class FrameLoop {
  private running = false;
  private inFlight = false;
  private handle: number | undefined;
  private lastStart = -Infinity;
  private nextId = 0;
  private analysed = 0;
  private skippedBusy = 0;
  private readonly video: VideoWithRvfc;
  private readonly minIntervalMs: number;
  private readonly doc: NonNullable<FrameLoopOptions['doc']>;
  private readonly onVisibility = () => {
    if (this.doc.visibilityState === 'visible' && this.running) this.schedule();
  };

  constructor(private readonly options: FrameLoopOptions) {
    this.video = options.video as VideoWithRvfc;
    this.minIntervalMs = 1000 / (options.maxFps ?? 12);
    this.doc = options.doc ?? document;
  }

  /** Frames analysed so far and frames skipped because the previous one was still being analysed. */
  get stats(): { analysed: number; skippedBusy: number } {
    return { analysed: this.analysed, skippedBusy: this.skippedBusy };
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.doc.addEventListener('visibilitychange', this.onVisibility);
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.doc.removeEventListener('visibilitychange', this.onVisibility);
    if (this.handle !== undefined) {
      if (this.video.cancelVideoFrameCallback) this.video.cancelVideoFrameCallback(this.handle);
      else cancelAnimationFrame(this.handle);
    }
    this.handle = undefined;
  }

  private schedule(): void {
    if (!this.running || this.doc.visibilityState === 'hidden') return;
    if (this.video.requestVideoFrameCallback) {
      this.handle = this.video.requestVideoFrameCallback((now, meta) =>
        this.tick(now, meta.mediaTime * 1000),
      );
    } else {
      this.handle = requestAnimationFrame((now) => this.tick(now, this.video.currentTime * 1000));
    }
  }

  private tick(now: number, timeMs: number): void {
    this.handle = undefined;
    if (!this.running) return;
    if (this.inFlight) {
      this.skippedBusy++;
    } else if (now - this.lastStart >= this.minIntervalMs && this.video.readyState >= 2) {
      this.lastStart = now;
      this.inFlight = true;
      const frame = { id: this.nextId++, timeMs };
      this.options
        .analyse(this.video, frame)
        .then(() => {
          this.analysed++;
        })
        .catch((err: unknown) => {
          this.stop();
          this.options.onError?.(err);
        })
        .finally(() => {
          this.inFlight = false;
        });
    }
    this.schedule();
  }
}
