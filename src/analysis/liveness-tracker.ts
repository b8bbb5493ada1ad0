/**
 * On-device guidance through one liveness challenge (DESIGN.md §5): fed with the {@link FaceMeasures} of each
 * frame, it finds the neutral pose, follows the current action with hysteresis, and says which frames to keep and
 * when to send them. It decides nothing about liveness: the server verifies the uploaded frames itself.
 * Pure and stateful (one instance per challenge); no DOM, no clock of its own (every frame brings its time).
 */
import type { LivenessAction } from '../shared/api/liveness.js';
import {
  type ActionThresholds,
  actionProgress,
  DEVICE_ACTION_THRESHOLDS,
  type FaceMeasures,
} from './liveness-measures.js';

export interface LivenessTrackerOptions {
  /** The challenge's actions, in the order the user must do them; empty = passive burst. */
  actions: readonly LivenessAction[];
  /** Passive mode: frames of the burst (default 3). */
  burstFrames?: number;
  /** Passive mode: least time between two burst frames (default 250 ms), so the frames show natural motion. */
  burstIntervalMs?: number;
  thresholds?: ActionThresholds;
  /** Steady frontal frames whose median is the neutral pose (default 5). */
  baselineFrames?: number;
  /** Largest |yaw| and |pitch| of a frontal frame, degrees (default 15). */
  frontalDegrees?: number;
  /** Largest pose change from the previous frame for a steady frame, degrees (default 4). */
  steadyDegrees?: number;
  /** Frames in a row at progress ≥ 1 before an action counts as started (default 2): noise must not trigger it. */
  enterFrames?: number;
  /** An action that started is done once it holds this long (default 400 ms)… */
  holdMs?: number;
  /** …or once it peaked and progress falls back below this (default 0.5). */
  releaseProgress?: number;
  /** Back to neutral between actions: progress of the last action at or below this (default 0.3)… */
  neutralProgress?: number;
  /** …for this many frames in a row (default 2). */
  neutralFrames?: number;
  /** Progress at or below this is the opposite direction, reported as a hint (default -0.6). */
  wrongDirectionProgress?: number;
}

/**
 * Where the user is: `baseline` (look straight at the camera), `action` (doing `actions[step]`), `return`
 * (back to neutral after an action), `burst` (passive: holding still while frames are taken), `complete`.
 */
export type LivenessTrackerPhase = 'baseline' | 'action' | 'return' | 'burst' | 'complete';

/** Guidance beyond the instruction itself. */
export type LivenessHint = 'no-face' | 'look-straight' | 'hold-still' | 'wrong-direction' | 'wrong-action';

/** Tags of a frame the capture side must send (the liveness frame meta without nonce / index / time). */
export interface LivenessFrameTag {
  kind: 'neutral' | 'peak' | 'burst';
  /** Peak: the action's index; neutral: the step that comes next; burst: 0. */
  step: number;
  action?: LivenessAction;
}

export interface LivenessTrackerUpdate {
  phase: LivenessTrackerPhase;
  /** Index of the current action (= `actions.length` when all are done). */
  step: number;
  action: LivenessAction | undefined;
  /** Progress of the current action in this frame (0 = neutral, 1 = threshold); 0 outside `action`. */
  progress: number;
  /** Highest progress of the current action so far, clamped to 0…1: for a progress ring. */
  shownProgress: number;
  hint: LivenessHint | undefined;
  /**
   * This frame is the best so far for the frame to be sent next (a peak: the highest progress; a neutral: the most
   * frontal): keep its full-resolution image, replacing the one kept before.
   */
  keep: LivenessFrameTag | undefined;
  /** Send the kept frame now with these tags (it may be this frame, when `keep` is set too). */
  send: LivenessFrameTag | undefined;
  /** The action `step - 1` was just detected (for a "done" tick). */
  actionDone: boolean;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * @example
 * const tracker = new LivenessTracker({ actions: challenge.actions });
 * const update = tracker.push(measureFace(face, frame), timeMs);
 * if (update.keep) keepBitmap(update.keep);
 * if (update.send) upload(keptBitmap, update.send);
 */
export class LivenessTracker {
  private readonly actions: readonly LivenessAction[];
  private readonly thresholds: ActionThresholds;
  private readonly settings: Required<Omit<LivenessTrackerOptions, 'actions' | 'thresholds'>>;
  private phaseNow: LivenessTrackerPhase = 'baseline';
  private stepNow = 0;
  private steadyRun: FaceMeasures[] = [];
  private bestFrontal = Number.POSITIVE_INFINITY;
  private previous: FaceMeasures | undefined;
  private neutralPose: FaceMeasures | undefined;
  private aboveRun = 0;
  private enteredAtMs: number | undefined;
  private peakProgress = Number.NEGATIVE_INFINITY;
  private neutralRun = 0;
  private lowestReturn = Number.POSITIVE_INFINITY;
  private burstSent = 0;
  private lastBurstMs = Number.NEGATIVE_INFINITY;

  constructor(options: LivenessTrackerOptions) {
    this.actions = options.actions;
    this.thresholds = options.thresholds ?? DEVICE_ACTION_THRESHOLDS;
    this.settings = {
      burstFrames: options.burstFrames ?? 3,
      burstIntervalMs: options.burstIntervalMs ?? 250,
      baselineFrames: options.baselineFrames ?? 5,
      frontalDegrees: options.frontalDegrees ?? 15,
      steadyDegrees: options.steadyDegrees ?? 4,
      enterFrames: options.enterFrames ?? 2,
      holdMs: options.holdMs ?? 400,
      releaseProgress: options.releaseProgress ?? 0.5,
      neutralProgress: options.neutralProgress ?? 0.3,
      neutralFrames: options.neutralFrames ?? 2,
      wrongDirectionProgress: options.wrongDirectionProgress ?? -0.6,
    };
  }

  get phase(): LivenessTrackerPhase {
    return this.phaseNow;
  }

  get step(): number {
    return this.stepNow;
  }

  /** The current action, or undefined before the baseline, in passive mode and when complete. */
  get action(): LivenessAction | undefined {
    return this.phaseNow === 'action' || this.phaseNow === 'return' ? this.actions[this.stepNow] : undefined;
  }

  /** The neutral pose, once established. */
  get neutral(): FaceMeasures | undefined {
    return this.neutralPose;
  }

  /** One analysed frame: its face measures (undefined: no single face) and its time in ms. */
  push(face: FaceMeasures | undefined, timeMs: number): LivenessTrackerUpdate {
    const update: LivenessTrackerUpdate = {
      phase: this.phaseNow,
      step: this.stepNow,
      action: this.actions[this.stepNow],
      progress: 0,
      shownProgress: 0,
      hint: undefined,
      keep: undefined,
      send: undefined,
      actionDone: false,
    };
    if (!face) {
      // A lost face breaks the runs that need consecutive frames, nothing else.
      this.steadyRun = [];
      this.aboveRun = 0;
      this.neutralRun = 0;
      this.previous = undefined;
      update.hint = this.phaseNow === 'complete' ? undefined : 'no-face';
      return this.finish(update);
    }
    switch (this.phaseNow) {
      case 'baseline':
        this.trackBaseline(face, update);
        break;
      case 'burst':
        this.trackBurst(face, timeMs, update);
        break;
      case 'action':
        this.trackAction(face, timeMs, update);
        break;
      case 'return':
        this.trackReturn(face, update);
        break;
      case 'complete':
        break;
    }
    this.previous = face;
    return this.finish(update);
  }

  private finish(update: LivenessTrackerUpdate): LivenessTrackerUpdate {
    update.phase = this.phaseNow;
    update.step = this.stepNow;
    update.action = this.phaseNow === 'complete' ? undefined : this.actions[this.stepNow];
    if (this.phaseNow === 'action')
      update.shownProgress = Math.min(1, Math.max(0, this.peakProgress, update.progress));
    return update;
  }

  private frontalness(face: FaceMeasures): number {
    return Math.abs(face.yaw) + Math.abs(face.pitch);
  }

  private isSteadyFrontal(face: FaceMeasures): boolean {
    const { frontalDegrees, steadyDegrees } = this.settings;
    if (Math.abs(face.yaw) > frontalDegrees || Math.abs(face.pitch) > frontalDegrees) return false;
    const before = this.previous;
    if (!before) return true;
    return (
      Math.abs(face.yaw - before.yaw) <= steadyDegrees && Math.abs(face.pitch - before.pitch) <= steadyDegrees
    );
  }

  private trackBaseline(face: FaceMeasures, update: LivenessTrackerUpdate): void {
    if (!this.isSteadyFrontal(face)) {
      this.steadyRun = [];
      this.bestFrontal = Number.POSITIVE_INFINITY;
      const frontal =
        Math.abs(face.yaw) <= this.settings.frontalDegrees &&
        Math.abs(face.pitch) <= this.settings.frontalDegrees;
      update.hint = frontal ? 'hold-still' : 'look-straight';
      return;
    }
    this.steadyRun.push(face);
    const passive = this.actions.length === 0;
    if (!passive && this.frontalness(face) < this.bestFrontal) {
      this.bestFrontal = this.frontalness(face);
      update.keep = { kind: 'neutral', step: 0 };
    }
    if (this.steadyRun.length < this.settings.baselineFrames) return;
    const run = this.steadyRun;
    this.neutralPose = {
      yaw: median(run.map((f) => f.yaw)),
      pitch: median(run.map((f) => f.pitch)),
      roll: median(run.map((f) => f.roll)),
      faceWidth: median(run.map((f) => f.faceWidth)),
      eyeOpenness: median(run.map((f) => f.eyeOpenness)),
    };
    this.steadyRun = [];
    if (passive) {
      this.phaseNow = 'burst';
      return;
    }
    update.send = { kind: 'neutral', step: 0 };
    this.startAction(0);
  }

  private trackBurst(face: FaceMeasures, timeMs: number, update: LivenessTrackerUpdate): void {
    if (!this.isSteadyFrontal(face)) {
      update.hint = 'hold-still';
      return;
    }
    if (timeMs - this.lastBurstMs < this.settings.burstIntervalMs) return;
    this.lastBurstMs = timeMs;
    const tag: LivenessFrameTag = { kind: 'burst', step: 0 };
    update.keep = tag;
    update.send = tag;
    this.burstSent++;
    if (this.burstSent >= this.settings.burstFrames) this.phaseNow = 'complete';
  }

  private startAction(step: number): void {
    this.stepNow = step;
    this.aboveRun = 0;
    this.enteredAtMs = undefined;
    this.peakProgress = Number.NEGATIVE_INFINITY;
    this.phaseNow = step < this.actions.length ? 'action' : 'complete';
  }

  private trackAction(face: FaceMeasures, timeMs: number, update: LivenessTrackerUpdate): void {
    const neutral = this.neutralPose!;
    const action = this.actions[this.stepNow]!;
    const progress = actionProgress(action, neutral, face, this.thresholds);
    update.progress = progress;
    if (progress > this.peakProgress) {
      this.peakProgress = progress;
      // Only frames past the threshold can be the peak the server is shown.
      if (progress >= 1) update.keep = { kind: 'peak', step: this.stepNow, action };
    }
    if (this.enteredAtMs === undefined) {
      this.aboveRun = progress >= 1 ? this.aboveRun + 1 : 0;
      if (this.aboveRun >= this.settings.enterFrames) this.enteredAtMs = timeMs;
      else {
        update.hint = this.hintFor(action, neutral, face, progress);
        return;
      }
    }
    const held = timeMs - this.enteredAtMs >= this.settings.holdMs;
    const released = progress < this.settings.releaseProgress;
    if (!held && !released) return;
    update.send = { kind: 'peak', step: this.stepNow, action };
    update.actionDone = true;
    this.phaseNow = 'return';
    this.neutralRun = 0;
    this.lowestReturn = Number.POSITIVE_INFINITY;
    // Released already: this very frame may be back at neutral.
    if (released) this.trackReturnProgress(progress, face, update, true);
  }

  private hintFor(
    action: LivenessAction,
    neutral: FaceMeasures,
    face: FaceMeasures,
    progress: number,
  ): LivenessHint | undefined {
    if (progress <= this.settings.wrongDirectionProgress) return 'wrong-direction';
    if (progress >= this.settings.releaseProgress) return undefined;
    const other = this.actions.some(
      (candidate) =>
        candidate !== action &&
        !opposite(candidate, action) &&
        actionProgress(candidate, neutral, face, this.thresholds) >= 1,
    );
    return other ? 'wrong-action' : undefined;
  }

  private trackReturn(face: FaceMeasures, update: LivenessTrackerUpdate): void {
    const action = this.actions[this.stepNow]!;
    const progress = actionProgress(action, this.neutralPose!, face, this.thresholds);
    this.trackReturnProgress(progress, face, update, false);
  }

  private trackReturnProgress(
    progress: number,
    face: FaceMeasures,
    update: LivenessTrackerUpdate,
    sameFrameAsPeak: boolean,
  ): void {
    const next = this.stepNow + 1;
    if (Math.abs(progress) > this.settings.neutralProgress) {
      this.neutralRun = 0;
      return;
    }
    this.neutralRun++;
    // The peak frame is still waiting to be sent from the kept slot: never overwrite it in the same frame.
    if (!sameFrameAsPeak && Math.abs(progress) + this.frontalness(face) / 90 < this.lowestReturn) {
      this.lowestReturn = Math.abs(progress) + this.frontalness(face) / 90;
      update.keep = { kind: 'neutral', step: next };
    }
    if (this.neutralRun < this.settings.neutralFrames || this.lowestReturn === Number.POSITIVE_INFINITY)
      return;
    update.send = { kind: 'neutral', step: next };
    this.startAction(next);
  }
}

/** Turning left when asked to turn right is "wrong direction", not "another action". */
function opposite(a: LivenessAction, b: LivenessAction): boolean {
  return (a === 'turn-left' && b === 'turn-right') || (a === 'turn-right' && b === 'turn-left');
}
