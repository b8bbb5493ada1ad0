/**
 * Auto-capture gate: fires once N consecutive analysed frames pass, and names the best-scoring frame of that run
 * so the caller keeps that one (at full camera resolution) rather than simply the last.
 */
export interface CaptureGateOptions {
  /** Consecutive passing frames required (N ≥ 1): steadiness is proven by a run, not a single lucky frame. */
  requiredConsecutive: number;
}

export interface CaptureGateState {
  /** True once the current run is at least N frames long. */
  ready: boolean;
  /** Best-scoring frame of the current run (absent when the run is empty). */
  bestFrameId?: number;
  /** Length of the current run of passing frames. */
  streak: number;
}

export class CaptureGate {
  private readonly required: number;
  private streak = 0;
  private best: { frameId: number; score: number } | undefined;

  constructor(opts: CaptureGateOptions) {
    if (!Number.isInteger(opts.requiredConsecutive) || opts.requiredConsecutive < 1) {
      throw Object.assign(new RangeError('requiredConsecutive must be an integer ≥ 1'), {
        code: 'INVALID_CAPTURE_GATE' as const,
      });
    }
    this.required = opts.requiredConsecutive;
  }

  /** Feeds one analysed frame; a failing frame ends the run. */
  push(frameId: number, assessment: { ok: boolean; score: number }): CaptureGateState {
    if (!assessment.ok) {
      this.reset();
      return { ready: false, streak: 0 };
    }
    this.streak++;
    if (!this.best || assessment.score > this.best.score) this.best = { frameId, score: assessment.score };
    return { ready: this.streak >= this.required, bestFrameId: this.best.frameId, streak: this.streak };
  }

  reset(): void {
    this.streak = 0;
    this.best = undefined;
  }
}
