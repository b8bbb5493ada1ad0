/** assessFaceFrame: selfie checks on MediaPipe detector / landmarker output plus the frame's pixels. */
import {
  eyeOpenness,
  type HeadPose,
  faceWidthRatio,
  headPoseFromLandmarks,
  headPoseFromMatrix,
  mouthOpenness,
} from './face-geometry.js';
import { exposureStats, lumaHistogram, toLuma } from './luma.js';
import { directionalVariances, streakAnisotropy } from './sharpness.js';
import type { Box, CaptureProfile, FaceIssue, FaceObservation, FrameLike } from './types.js';

/** Pass / fail limits of the selfie checks. */
export interface FaceThresholds {
  /** Detections below this confidence (0..1) are ignored: MediaPipe's own default cut-off. */
  minScore: number;
  /**
   * A second face counts for MULTIPLE_FACES when at least this share of the main face's width: a poster far
   * behind is not a second person in the selfie, a face beside you is.
   */
  secondFaceMinRelativeWidth: number;
  /** Smallest face width as a share of the frame's shorter side: below it FACE_TOO_SMALL (too few pixels to match). */
  minFaceWidth: number;
  /**
   * Largest face width share: above it FACE_TOO_CLOSE (wide-angle distortion, chin or hair cut off). Real faces
   * (bench faces-device-real): faces drawn 88–110 % of the shorter side measure 0.888–1.04, clean arm's-length
   * portraits (drawn 36–60 %) at most 0.622 (p95 0.583, n 71).
   */
  maxFaceWidth: number;
  /** Largest distance of the face centre from the frame centre, as a share of the frame diagonal half-extents. */
  maxCenterOffset: number;
  /** Largest |yaw| in degrees for a frontal selfie (face matching degrades beyond ~20°). */
  maxYawDeg: number;
  /** Largest |pitch| in degrees. */
  maxPitchDeg: number;
  /** Largest |roll| in degrees. */
  maxRollDeg: number;
  /**
   * Mean eye aspect ratio below which the eyes count as closed. 0.13, not 0.17: 0.17 sat at the 1st percentile of
   * clean real faces (narrowed eyes, eyes looking down) with a wide empty gap below it down to eyes screwed shut.
   * Bench faces-device-real: clean real faces p50 0.298, p5 0.225, p1 0.163, lowest 0.085 (a half-lit Yale face,
   * still refused) (n 71); eyes screwed shut (human-stock b-1, b-4) 0.072–0.083 (n 4).
   */
  minEyeOpenness: number;
  /**
   * `directionalSharpness` of the face box resampled to 128 px wide and normalised to mean luma 128: below it
   * BLURRY. The astronaut fixture upscaled 2× measures ~77 sharp, ~45 at Gaussian σ = 1 px, ~20 at σ = 2 px;
   * the same photo through FaceLandmarker in Chromium (2× canvas upscale) ~38.
   */
  minSharpness: number;
  /**
   * `streakAnisotropy` of the face above which a face not clearly sharp (sharpness under twice `minSharpness`) is
   * BLURRY by motion: a streak smears one direction only, so a moving face can keep enough detail across it to pass
   * `minSharpness`. Bench faces-device-real (phone): clean real faces 1.07–2.21 (p95 2.00, n 71), clean
   * low-resolution ORL faces up to 2.92 (n 40); faces streaked 5–12 % of their width 1.43–5.17, and the 5 of 24 that
   * passed minSharpness 2.11–4.82 with sharpness 25–50. At 2.5: 4 of those 5 caught, no clean face refused
   * (clean faces under sharpness 50 measure at most 2.0).
   */
  maxStreakAnisotropy: number;
  /**
   * Mean face luma (0..255) below which TOO_DARK: skin texture drowns in sensor noise. Phone 48, not 60: a real
   * face lit from one side (Yale left/right light) has half of it in shadow and was refused at 60. Bench
   * faces-device-real: clean real faces lowest 49.4 (Yale right light), then 66.2, p5 75.9, p50 99.5 (n 71); the
   * same faces at exposure gain 0.12–0.30 at most 41.8, p95 41.4 (n 25). An earlier draw: side-lit 52.7 and 54.7,
   * dark at most 44.6.
   */
  minMeanLuma: number;
  /** Mean face luma above which TOO_BRIGHT: skin this bright has lost its texture to clipping. */
  maxMeanLuma: number;
}

export const FACE_THRESHOLDS: { phone: FaceThresholds; desktop: FaceThresholds } = {
  phone: {
    minScore: 0.5,
    secondFaceMinRelativeWidth: 0.35,
    minFaceWidth: 0.3,
    maxFaceWidth: 0.8,
    maxCenterOffset: 0.2,
    maxYawDeg: 20,
    maxPitchDeg: 20,
    maxRollDeg: 20,
    minEyeOpenness: 0.13,
    minSharpness: 25,
    maxStreakAnisotropy: 2.5,
    minMeanLuma: 48,
    maxMeanLuma: 205,
  },
  desktop: {
    minScore: 0.5,
    secondFaceMinRelativeWidth: 0.35,
    minFaceWidth: 0.2,
    maxFaceWidth: 0.8,
    maxCenterOffset: 0.25,
    maxYawDeg: 20,
    maxPitchDeg: 20,
    maxRollDeg: 20,
    minEyeOpenness: 0.13,
    minSharpness: 15,
    maxStreakAnisotropy: 2.5,
    minMeanLuma: 50,
    maxMeanLuma: 205,
  },
};

export interface FaceAssessment {
  ok: boolean;
  /** Ordered by what the user should fix first (see FACE_ISSUE_PRIORITY). */
  issues: FaceIssue[];
  /** 0..1, higher is better, for best-frame choice. 0 without exactly one face. */
  score: number;
  metrics: {
    faceCount: number;
    faceWidthRatio?: number;
    centerOffset?: number;
    yaw?: number;
    pitch?: number;
    roll?: number;
    leftEyeOpenness?: number;
    rightEyeOpenness?: number;
    mouthOpenness?: number;
    /** See FaceThresholds.minSharpness. */
    sharpness: number;
    /** See FaceThresholds.maxStreakAnisotropy. */
    streakAnisotropy?: number;
    /** Mean luma 0..255 of the face box (of the frame when no face). */
    meanLuma: number;
  };
}

export interface FaceAssessOptions {
  profile?: CaptureProfile;
  thresholds?: Partial<FaceThresholds>;
}

export const FACE_ISSUE_PRIORITY: readonly FaceIssue[] = [
  'TOO_DARK',
  'TOO_BRIGHT',
  'NO_FACE',
  'MULTIPLE_FACES',
  'FACE_TOO_SMALL',
  'FACE_TOO_CLOSE',
  'FACE_NOT_CENTERED',
  'FACE_NOT_FRONTAL',
  'EYES_CLOSED',
  'BLURRY',
];

/** Face width, in pixels, that sharpness is measured at: fixed so the value does not depend on distance. */
const FACE_SAMPLE_WIDTH = 128;

/**
 * Pixels read on demand, one rectangle at a time: in the capture worker a canvas, so only the face box is copied
 * out of it instead of the whole frame.
 */
export interface FramePixelSource {
  width: number;
  height: number;
  /** RGBA of the integer rectangle, which lies inside the frame and is at least 1 px. */
  readRegion(x: number, y: number, width: number, height: number): FrameLike;
  /** The whole frame scaled to about `width` pixels wide (whole-frame exposure when no face is seen). */
  readOverview(width: number): FrameLike;
}

function isFrameLike(frame: FrameLike | FramePixelSource): frame is FrameLike {
  return 'data' in frame;
}

/** Copies the integer rectangle out of the frame. */
function cropFrame(frame: FrameLike, x0: number, y0: number, width: number, height: number): FrameLike {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * frame.width + x0) * 4;
    data.set(frame.data.subarray(from, from + width * 4), y * width * 4);
  }
  return { data, width, height };
}

/** The box clipped to the frame (at least 1 px), read from wherever the pixels are. */
function readBox(frame: FrameLike | FramePixelSource, box: Box): FrameLike {
  const x0 = Math.max(0, Math.min(frame.width - 1, Math.floor(box.x)));
  const y0 = Math.max(0, Math.min(frame.height - 1, Math.floor(box.y)));
  const x1 = Math.max(x0 + 1, Math.min(frame.width, Math.ceil(box.x + box.width)));
  const y1 = Math.max(y0 + 1, Math.min(frame.height, Math.ceil(box.y + box.height)));
  return isFrameLike(frame)
    ? cropFrame(frame, x0, y0, x1 - x0, y1 - y0)
    : frame.readRegion(x0, y0, x1 - x0, y1 - y0);
}

/**
 * Runs the selfie checks on one frame and the faces MediaPipe found in it. `frame` is the RGBA frame, or a source
 * that reads just the regions the checks measure.
 *
 * @example
 * const faces = landmarker.detect(frame).faceLandmarks.map(toFaceObservation);
 * const a = assessFaceFrame(frame, faces, { profile: 'desktop' });
 */
export function assessFaceFrame(
  frame: FrameLike | FramePixelSource,
  faces: readonly FaceObservation[],
  opts: FaceAssessOptions = {},
): FaceAssessment {
  const t = { ...FACE_THRESHOLDS[opts.profile ?? 'phone'], ...opts.thresholds };
  const issues = new Set<FaceIssue>();
  const detected = faces.filter((f) => f.score >= t.minScore);
  const main = detected.reduce<FaceObservation | undefined>(
    (best, f) => (!best || f.box.width > best.box.width ? f : best),
    undefined,
  );
  const sorted = (): FaceIssue[] => FACE_ISSUE_PRIORITY.filter((i) => issues.has(i));

  if (!main) {
    const img = toLuma(isFrameLike(frame) ? frame : frame.readOverview(160), 160);
    const exposure = exposureStats(lumaHistogram(img.luma, img.width, img.height));
    if (exposure.meanLuma < 0.6 * t.minMeanLuma) issues.add('TOO_DARK');
    if (exposure.meanLuma > t.maxMeanLuma) issues.add('TOO_BRIGHT');
    issues.add('NO_FACE');
    return {
      ok: false,
      issues: sorted(),
      score: 0,
      metrics: { faceCount: 0, sharpness: 0, meanLuma: exposure.meanLuma },
    };
  }

  const others = detected.filter(
    (f) => f !== main && f.box.width >= t.secondFaceMinRelativeWidth * main.box.width,
  );
  if (others.length > 0) issues.add('MULTIPLE_FACES');

  const { width: fw, height: fh } = frame;
  const widthRatio = faceWidthRatio(main, frame);
  if (widthRatio < t.minFaceWidth) issues.add('FACE_TOO_SMALL');
  if (widthRatio > t.maxFaceWidth) issues.add('FACE_TOO_CLOSE');
  const cx = main.box.x + main.box.width / 2;
  const cy = main.box.y + main.box.height / 2;
  const centerOffset = Math.hypot((cx - fw / 2) / fw, (cy - fh / 2) / fh);
  if (centerOffset > t.maxCenterOffset) issues.add('FACE_NOT_CENTERED');

  const aspect = fw / fh;
  let pose: HeadPose | undefined;
  if (main.transformationMatrix && main.transformationMatrix.length >= 12) {
    pose = headPoseFromMatrix(main.transformationMatrix);
  } else if (main.landmarks && main.landmarks.length >= 468) {
    pose = headPoseFromLandmarks(main.landmarks, aspect);
  }
  if (
    pose &&
    (Math.abs(pose.yaw) > t.maxYawDeg ||
      Math.abs(pose.pitch) > t.maxPitchDeg ||
      Math.abs(pose.roll) > t.maxRollDeg)
  ) {
    issues.add('FACE_NOT_FRONTAL');
  }
  let left: number | undefined;
  let right: number | undefined;
  let mouth: number | undefined;
  if (main.landmarks && main.landmarks.length >= 468) {
    left = eyeOpenness(main.landmarks, 'left', aspect);
    right = eyeOpenness(main.landmarks, 'right', aspect);
    mouth = mouthOpenness(main.landmarks, aspect);
    if ((left + right) / 2 < t.minEyeOpenness) issues.add('EYES_CLOSED');
  }

  // Pixels of the face box only, resampled so the face is ~128 px wide whatever its distance.
  const crop = readBox(frame, main.box);
  const img = toLuma(crop, Math.min(crop.width, FACE_SAMPLE_WIDTH));
  const region = { x: 0, y: 0, width: img.width, height: img.height };
  const exposure = exposureStats(lumaHistogram(img.luma, img.width, img.height, region));
  // Normalised to a mean luma of 128: a dim but steady face is dark, not blurry (exposure scales contrast).
  const variances = directionalVariances(img.luma, img.width, img.height, region);
  const sharpness = (2 * Math.min(...variances) * 128 * 128) / Math.max(16, exposure.meanLuma) ** 2;
  const anisotropy = streakAnisotropy(variances);
  if (exposure.meanLuma < t.minMeanLuma) issues.add('TOO_DARK');
  if (exposure.meanLuma > t.maxMeanLuma) issues.add('TOO_BRIGHT');
  if (sharpness < t.minSharpness || (sharpness < 2 * t.minSharpness && anisotropy > t.maxStreakAnisotropy)) {
    issues.add('BLURRY');
  }

  const poseTerm = pose
    ? Math.max(0, 1 - (Math.abs(pose.yaw) + Math.abs(pose.pitch) + Math.abs(pose.roll)) / 90)
    : 0.8;
  const sharpTerm = Math.min(1, sharpness / (2 * t.minSharpness));
  const centerTerm = Math.max(0, 1 - centerOffset / (2 * t.maxCenterOffset));
  const score = main.score * poseTerm * sharpTerm * (0.5 + 0.5 * centerTerm) * 0.5 ** issues.size;

  return {
    ok: issues.size === 0,
    issues: sorted(),
    score,
    metrics: {
      faceCount: 1 + others.length,
      faceWidthRatio: widthRatio,
      centerOffset,
      yaw: pose?.yaw,
      pitch: pose?.pitch,
      roll: pose?.roll,
      leftEyeOpenness: left,
      rightEyeOpenness: right,
      mouthOpenness: mouth,
      sharpness,
      streakAnisotropy: anisotropy,
      meanLuma: exposure.meanLuma,
    },
  };
}
