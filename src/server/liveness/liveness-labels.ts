/**
 * Labels of a liveness verdict: stored on the challenge row and reported in the `liveness` capability, never sent to
 * the widget (it only learns DONE / RETRY / EXHAUSTED). Documented in docs/liveness.md.
 */
export const LIVENESS_LABELS = [
  /** Passed. */
  'OK',
  /** No challenge was completed (or the sequence could not be judged). */
  'LIVENESS_UNDETERMINED',
  /** A frame has no face. */
  'NO_FACE_PRESENT',
  /** A frame has more than one person's face. */
  'MULTIPLE_PEOPLE',
  /** A face was found but its mesh could not be measured (cut off by the frame edge, turned too far, covered). */
  'FACE_NOT_FULLY_VISIBLE',
  /** The frames are not all the same person, or not the selfie's person. */
  'DIFFERENT_PERSON',
  /** A requested action is not visible at its peak frame (a photo held still, a neutral frame tagged as a peak). */
  'ACTION_NOT_PERFORMED',
  /** A peak shows another requested action than the one of its step (actions in the wrong order). */
  'ACTIONS_OUT_OF_ORDER',
  /** A frame tagged neutral shows an action. */
  'NOT_NEUTRAL',
  /** Capture times that cannot be true: not increasing with the upload order, peaks too close, later than arrival. */
  'IMPLAUSIBLE_TIMING',
  /** The same bytes uploaded as two frames. */
  'DUPLICATE_FRAMES',
  /** Passive burst: the frames show no natural micro-motion (one photo uploaded several times). */
  'NO_NATURAL_MOTION',
  /** The passive presentation-attack signal (human's antispoof model) reads the frames as a print or a screen. */
  'PRESENTATION_ATTACK_SUSPECTED',
  /** Frames the challenge needs are missing (no neutral start, a step without its peak, too few burst frames). */
  'MISSING_FRAMES',
  /** The challenge ran out unused. */
  'CHALLENGE_EXPIRED',
  /** A newer challenge was requested before this one was completed. */
  'CHALLENGE_ABANDONED',
] as const;

export type LivenessLabel = (typeof LIVENESS_LABELS)[number];
