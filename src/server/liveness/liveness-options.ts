/**
 * What the server asks for in a liveness challenge and how strictly it judges the answer. The defaults are
 * documented, with the measurements behind them, in docs/liveness.md; `IDV_LIVENESS_ACTIONS` changes the action
 * set of a deployment (e.g. to add `blink`).
 */
import type { ActionThresholds } from '../../analysis/liveness-measures.js';
import { LIVENESS_ACTIONS, type LivenessAction } from '../../shared/api/liveness.js';

export interface LivenessOptions {
  /** Actions a `passive_active` challenge draws from (distinct actions, random order). */
  actions: readonly LivenessAction[];
  /** How many actions a challenge asks for: a random count in [min, max], capped by `actions.length`. */
  minActions: number;
  maxActions: number;
  /** Frames of a `passive` burst. */
  burstFrames: number;
  /** Server thresholds for `actionProgress` (below the device's `DEVICE_ACTION_THRESHOLDS`, see docs/liveness.md). */
  thresholds: ActionThresholds;
  /**
   * A neutral frame after the start may show each pose action up to this progress: the widget grabs it once the user
   * is back "near" neutral by its own, coarser measure, so this is looser than a peak's 1.
   */
  neutralTolerance: number;
  /** Shortest plausible time between two consecutive action peaks, ms. */
  minPeakGapMs: number;
  /**
   * How much later than its arrival (relative to issuance) a frame may claim to have been captured, ms: the widget's
   * clock starts after the challenge arrived, so honest frames always claim less; the slack absorbs rounding.
   */
  captureClockSlackMs: number;
  /**
   * Passive burst: the smallest movement between the most different two frames (degrees of yaw/pitch plus face
   * displacement in % of the face width) that counts as a live face's natural micro-motion.
   */
  minBurstMotion: number;
  /**
   * Largest descriptor distance between the challenge's frames (and between its first frame and the selfie) that is
   * still one person: about the FMR 1 % point of the real pairs (0.42; face match: 0.37 at FMR 0.1 %), looser because one
   * live capture shows the same face under head turns a document match never sees, and the document match stays the
   * identity gate (docs/liveness.md: distances by head turn on ORL).
   */
  identityThreshold: number;
  /**
   * The passive presentation-attack signal (human's `antispoof` model; docs/liveness.md). Measured on 58 bona fide
   * captures and 58 attacks (our rendered prints and screens, the 2 real silent-face attacks): bona fide scores
   * 0.41–0.89, attacks 0.45–0.92, i.e. the model does not separate them. The threshold is therefore set where it
   * refuses no bona fide capture (BPCER 0/58) and it stops only degenerate inputs (APCER 58/58 on our attacks):
   * a place for a better model, not a defence today.
   */
  presentationAttack: {
    /** Median antispoof score of the frames below which the challenge fails as PRESENTATION_ATTACK_SUSPECTED. */
    minAntispoof: number;
  };
  /** Random integer in [0, n): injectable so tests can pin the draw (default: crypto.randomInt). */
  randomInt?: (n: number) => number;
}

/**
 * Default actions. `blink` is measurable on both sides (docs/liveness.md) but opt-in (`IDV_LIVENESS_ACTIONS`): a real
 * blink lasts 100–300 ms, so a phone analysing a few frames a second can miss its peak, and the device-side margin on
 * the test media is thin (MediaPipe −52 to −57 % against the 45 % threshold).
 */
export const DEFAULT_LIVENESS_ACTIONS: readonly LivenessAction[] = [
  'turn-left',
  'turn-right',
  'look-up',
  'move-closer',
];

/**
 * Server thresholds (progress 1 = this much change against the neutral start). human's mesh, run on each face's own
 * region (src/server/faces/face-analyzer.ts), reads the rendered test poses at Δyaw +31 / −36° (astronaut) and
 * +41 / −32° (other) for ±30° turns, Δpitch +31 / +28° for a 22° look-up, width ×1.35 / ×1.38 for ×1.4, and eye
 * openness −54 / −43 % for closed eyes; so it reads at least MediaPipe's angles, and a user who just reaches the
 * device's DEVICE_ACTION_THRESHOLDS (18°, 12°, ×1.25, −45 %) shows the server ≈ 18–25°, ≈ 15°, ×1.25 and ≈ −45 %.
 * The thresholds sit at about half of that. The floor for look-up is what a head turn alone does to the pitch
 * reading: a 36° turn reads +6.5° of pitch, so look-up needs 9°. Still frames stay far below (sway: ≤ 3.4° of yaw,
 * ≤ 1° of pitch). Measurements: docs/liveness.md.
 */
export const SERVER_ACTION_THRESHOLDS: ActionThresholds = {
  turnDegrees: 10,
  lookUpDegrees: 9,
  closerFactor: 1.12,
  blinkDrop: 0.3,
};

export const DEFAULT_LIVENESS_OPTIONS: LivenessOptions = {
  actions: DEFAULT_LIVENESS_ACTIONS,
  minActions: 2,
  maxActions: 4,
  burstFrames: 3,
  thresholds: SERVER_ACTION_THRESHOLDS,
  neutralTolerance: 1.5,
  minPeakGapMs: 300,
  captureClockSlackMs: 1000,
  minBurstMotion: 2,
  identityThreshold: 0.42,
  presentationAttack: { minAntispoof: 0.1 },
};

export class LivenessConfigError extends Error {
  override readonly name = 'LivenessConfigError';
  readonly code = 'INVALID_CONFIG';
}

/** Options from the environment (`IDV_LIVENESS_ACTIONS=turn-left,turn-right,look-up`), defaults otherwise. */
export function livenessOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LivenessOptions {
  const listed = env.IDV_LIVENESS_ACTIONS?.trim();
  if (!listed) return DEFAULT_LIVENESS_OPTIONS;
  const actions = [...new Set(listed.split(',').map((a) => a.trim()))];
  const unknown = actions.filter((a) => !(LIVENESS_ACTIONS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    throw new LivenessConfigError(`IDV_LIVENESS_ACTIONS: unknown action(s) ${unknown.join(', ')}`);
  }
  if (actions.length < 2) throw new LivenessConfigError('IDV_LIVENESS_ACTIONS needs at least 2 actions');
  return { ...DEFAULT_LIVENESS_OPTIONS, actions: actions as LivenessAction[] };
}

/** Options with overrides applied and the action count clamped to what the action set allows. */
export function resolveLivenessOptions(overrides: Partial<LivenessOptions> = {}): LivenessOptions {
  const merged = { ...livenessOptionsFromEnv(), ...overrides };
  const maxActions = Math.min(merged.maxActions, merged.actions.length);
  return { ...merged, maxActions, minActions: Math.min(merged.minActions, maxActions) };
}
