/**
 * What a liveness action changes, measured from face-mesh landmarks (DESIGN.md §5): the widget measures its own
 * MediaPipe landmarks to guide the user; the server measures landmarks it computes itself from the uploaded frames
 * to decide. Both call {@link measureFace} and {@link actionProgress}; only the thresholds differ (the server's are
 * its own, documented next to its verification).
 */
import type { LivenessAction } from '../shared/api/liveness.js';
import { eyeOpenness, faceWidthRatio, headPoseFromLandmarks, headPoseFromMatrix } from './face-geometry.js';
import type { Box, Landmark } from './types.js';

export type { LivenessAction } from '../shared/api/liveness.js';

/** Measures of one face in one frame. */
export interface FaceMeasures {
  /** Degrees; positive = nose towards the image's right (unmirrored). */
  yaw: number;
  /** Degrees; positive = nose up. */
  pitch: number;
  roll: number;
  /** Face width (cheek to cheek) over the frame's shorter side. */
  faceWidth: number;
  /** Mean eye aspect ratio of both eyes (~0.25–0.35 open, < ~0.15 closed). */
  eyeOpenness: number;
}

/**
 * Measures of a face: head pose from the transformation matrix when there is one (MediaPipe in the widget), else
 * from the landmarks (the server's mesh); size and eye openness from the landmarks.
 * `frame` is the pixel size of the frame the landmarks are normalised to.
 */
export function measureFace(
  face: { box: Box; landmarks: readonly Landmark[]; transformationMatrix?: readonly number[] },
  frame: { width: number; height: number },
): FaceMeasures {
  const aspect = frame.width / frame.height;
  const pose = face.transformationMatrix
    ? headPoseFromMatrix(face.transformationMatrix)
    : headPoseFromLandmarks(face.landmarks, aspect);
  return {
    ...pose,
    faceWidth: faceWidthRatio(face, frame),
    eyeOpenness:
      (eyeOpenness(face.landmarks, 'left', aspect) + eyeOpenness(face.landmarks, 'right', aspect)) / 2,
  };
}

/** How much of an action a frame shows against the neutral frame, in the action's own unit. */
export interface ActionThresholds {
  /** Degrees of yaw change for `turn-left` / `turn-right`. */
  turnDegrees: number;
  /** Degrees of pitch change for `look-up`. */
  lookUpDegrees: number;
  /** Face width growth factor for `move-closer` (1.2 = 20 % wider). */
  closerFactor: number;
  /** Eye openness drop for `blink`, as a share of the neutral openness (0.4 = 40 % lower). */
  blinkDrop: number;
}

/** Defaults for on-device guidance (MediaPipe landmarks + matrix). */
export const DEVICE_ACTION_THRESHOLDS: ActionThresholds = {
  turnDegrees: 18,
  lookUpDegrees: 12,
  closerFactor: 1.25,
  blinkDrop: 0.45,
};

/**
 * Progress of `action` in `frame` relative to `neutral`: 0 = nothing, 1 = exactly the threshold, > 1 beyond it,
 * negative = the opposite direction (e.g. turning right when asked to turn left).
 */
export function actionProgress(
  action: LivenessAction,
  neutral: FaceMeasures,
  frame: FaceMeasures,
  thresholds: ActionThresholds,
): number {
  switch (action) {
    case 'turn-left':
      return (frame.yaw - neutral.yaw) / thresholds.turnDegrees;
    case 'turn-right':
      return (neutral.yaw - frame.yaw) / thresholds.turnDegrees;
    case 'look-up':
      return (frame.pitch - neutral.pitch) / thresholds.lookUpDegrees;
    case 'move-closer':
      return neutral.faceWidth > 0
        ? (frame.faceWidth / neutral.faceWidth - 1) / (thresholds.closerFactor - 1)
        : 0;
    case 'blink':
      return neutral.eyeOpenness > 0
        ? (1 - frame.eyeOpenness / neutral.eyeOpenness) / thresholds.blinkDrop
        : 0;
  }
}
