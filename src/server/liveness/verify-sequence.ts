/**
 * Verifies the frames of one liveness challenge with the server's own face analysis: never the client's word.
 *
 * Cheap checks run first and end the verification early (structure, duplicate bytes, timing), then every frame is
 * analysed (face-api detection + descriptor, human's 468-point mesh): exactly one face per frame, the same person in
 * every frame and as the selfie, then the actions measured with the widget's own math (`measureFace`,
 * `actionProgress`) against the neutral start, with the server's thresholds. Thresholds and labels are documented in
 * docs/liveness.md. Challenge-response liveness, not a certified presentation-attack detector.
 */
import { actionProgress, type FaceMeasures, measureFace } from '../../analysis/liveness-measures.js';
import type { LivenessAction } from '../../shared/api/liveness.js';
import {
  analyzeFaces,
  type DetectedFace,
  type FaceAnalysis,
  faceDistance,
  isUnanalysableImage,
} from '../faces/face-analysis.js';
import { selfiePeople } from '../faces/face-match.js';
import type { LivenessLabel } from './liveness-labels.js';
import type { LivenessOptions } from './liveness-options.js';

export interface ChallengeToVerify {
  mode: 'passive' | 'passive_active';
  actions: readonly LivenessAction[];
  burstFrames: number;
}

export interface SequenceFrame {
  index: number;
  kind: 'neutral' | 'peak' | 'burst';
  step: number;
  capturedAtMs: number;
  /** Server time of arrival, ms after the challenge was issued. */
  receivedAfterIssueMs: number;
  sha256: string;
  read(): Promise<Buffer>;
}

export interface LivenessVerdict {
  passed: boolean;
  label: LivenessLabel;
  /** Numbers behind the verdict, for support: never images, landmarks or descriptors. */
  measures: Record<string, unknown>;
}

export interface VerifyOptions {
  options: LivenessOptions;
  /** The selfie (SELFIE credential, FACE part) when it is already uploaded: the frames must show its person. */
  selfie?: Buffer;
  /** Face analysis (default: `analyzeFaces`, through the pool and its cache). */
  analyze?: (image: Buffer) => Promise<FaceAnalysis>;
}

/** Actions whose progress a neutral frame must stay below (blink is excluded: people blink at any time). */
const POSE_ACTIONS: readonly LivenessAction[] = ['turn-left', 'turn-right', 'look-up', 'move-closer'];

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Ends the verification at the first failed check; caught in `verifyLivenessSequence`, never escapes it. */
class VerdictReached extends Error {
  readonly code = 'LIVENESS_VERDICT_REACHED';
  constructor(readonly verdict: LivenessVerdict) {
    super(verdict.label);
  }
}

function fail(label: LivenessLabel, measures: Record<string, unknown> = {}): never {
  throw new VerdictReached({ passed: false, label, measures });
}

export async function verifyLivenessSequence(
  challenge: ChallengeToVerify,
  frames: readonly SequenceFrame[],
  verify: VerifyOptions,
): Promise<LivenessVerdict> {
  const sorted = [...frames].sort((a, b) => a.index - b.index);
  try {
    checkStructure(challenge, sorted);
    checkDuplicates(sorted);
    const timing = checkTiming(challenge, sorted, verify.options);
    const analysed = await analyseFrames(sorted, verify.analyze ?? analyzeFaces);
    const identity = await checkIdentity(analysed, verify);
    const presentation = checkPresentationAttack(analysed, verify.options);
    const motion =
      challenge.mode === 'passive'
        ? checkBurstMotion(analysed, verify.options)
        : checkActions(challenge, analysed, verify.options);
    return {
      passed: true,
      label: 'OK',
      measures: { frames: sorted.length, ...timing, ...identity, ...presentation, ...motion },
    };
  } catch (error) {
    if (error instanceof VerdictReached) {
      return { ...error.verdict, measures: { frames: sorted.length, ...error.verdict.measures } };
    }
    throw error;
  }
}

function checkStructure(challenge: ChallengeToVerify, frames: readonly SequenceFrame[]): void {
  if (challenge.mode === 'passive') {
    const burst = frames.filter((f) => f.kind === 'burst').length;
    if (burst < challenge.burstFrames) fail('MISSING_FRAMES', { burstFrames: burst });
    return;
  }
  if (!frames.some((f) => f.kind === 'neutral' && f.step === 0))
    fail('MISSING_FRAMES', { neutralStart: false });
  const missing = challenge.actions
    .map((_, step) => step)
    .filter((step) => !frames.some((f) => f.kind === 'peak' && f.step === step));
  if (missing.length > 0) fail('MISSING_FRAMES', { stepsWithoutPeak: missing });
}

function checkDuplicates(frames: readonly SequenceFrame[]): void {
  const distinct = new Set(frames.map((f) => f.sha256)).size;
  if (distinct < frames.length) fail('DUPLICATE_FRAMES', { duplicates: frames.length - distinct });
}

/**
 * Capture times increase with the upload index; no frame claims a capture later than it arrived; in active mode the
 * tags follow the flow (neutral k before peak k before neutral k+1) and consecutive peaks are far enough apart.
 */
function checkTiming(
  challenge: ChallengeToVerify,
  frames: readonly SequenceFrame[],
  options: LivenessOptions,
): Record<string, unknown> {
  for (let i = 1; i < frames.length; i++) {
    if ((frames[i] as SequenceFrame).capturedAtMs <= (frames[i - 1] as SequenceFrame).capturedAtMs) {
      fail('IMPLAUSIBLE_TIMING', { reason: 'capture times not increasing' });
    }
  }
  const early = frames.find((f) => f.capturedAtMs > f.receivedAfterIssueMs + options.captureClockSlackMs);
  if (early) fail('IMPLAUSIBLE_TIMING', { reason: 'captured after arrival' });
  if (challenge.mode === 'passive') return { spanMs: spanOf(frames) };
  // Position in the flow: neutral k = 2k, peak k = 2k + 1; must never go back.
  let position = -1;
  for (const frame of frames) {
    const at = frame.step * 2 + (frame.kind === 'peak' ? 1 : 0);
    if (at < position) fail('IMPLAUSIBLE_TIMING', { reason: 'tags out of flow order' });
    position = at;
  }
  const gaps: number[] = [];
  for (let step = 1; step < challenge.actions.length; step++) {
    const previous = frames.filter((f) => f.kind === 'peak' && f.step === step - 1).at(-1);
    const next = frames.find((f) => f.kind === 'peak' && f.step === step);
    if (previous && next) gaps.push(Math.round(next.capturedAtMs - previous.capturedAtMs));
  }
  const shortest = Math.min(...gaps);
  if (gaps.length > 0 && shortest < options.minPeakGapMs) {
    fail('IMPLAUSIBLE_TIMING', { reason: 'peaks too close', peakGapsMs: gaps });
  }
  return { spanMs: spanOf(frames), peakGapsMs: gaps };
}

function spanOf(frames: readonly SequenceFrame[]): number {
  return Math.round((frames.at(-1)?.capturedAtMs ?? 0) - (frames[0]?.capturedAtMs ?? 0));
}

interface AnalysedFrame {
  frame: SequenceFrame;
  face: DetectedFace;
  measures: FaceMeasures;
  /** Nose tip in pixels, for the burst's motion. */
  nose: { x: number; y: number };
  faceWidthPx: number;
}

async function analyseFrames(
  frames: readonly SequenceFrame[],
  analyze: (image: Buffer) => Promise<FaceAnalysis>,
): Promise<AnalysedFrame[]> {
  // All at once: the pool spreads them over its workers (and frames analysed on arrival come from its cache).
  const analyses = await Promise.all(
    frames.map(async (frame) => {
      try {
        return await analyze(await frame.read());
      } catch (error) {
        if (isUnanalysableImage(error)) return undefined;
        throw error;
      }
    }),
  );
  const analysed: AnalysedFrame[] = [];
  frames.forEach((frame, i) => {
    const analysis = analyses[i];
    if (!analysis) fail('LIVENESS_UNDETERMINED', { unreadableFrame: frame.index });
    const people = selfiePeople(analysis.faces);
    if (people.length === 0) fail('NO_FACE_PRESENT', { frame: frame.index });
    if (people.length > 1) fail('MULTIPLE_PEOPLE', { frame: frame.index, faces: people.length });
    const face = people[0] as DetectedFace;
    if (!face.mesh468) fail('FACE_NOT_FULLY_VISIBLE', { frame: frame.index });
    const size = { width: analysis.width, height: analysis.height };
    const box = face.box;
    const nose = face.mesh468[1] ?? { x: 0, y: 0 };
    analysed.push({
      frame,
      face,
      measures: measureFace({ box, landmarks: face.mesh468 }, size),
      nose: { x: nose.x * size.width, y: nose.y * size.height },
      faceWidthPx: box.width,
    });
  });
  return analysed;
}

/** Every frame within the face-match threshold of the first one, and the first one of the selfie. */
async function checkIdentity(
  analysed: readonly AnalysedFrame[],
  verify: VerifyOptions,
): Promise<Record<string, unknown>> {
  const reference = analysed[0] as AnalysedFrame;
  const distances = analysed.map((a) => faceDistance(reference.face.descriptor, a.face.descriptor));
  const maxFrameDistance = round(Math.max(...distances), 4);
  const threshold = verify.options.identityThreshold;
  if (maxFrameDistance > threshold) {
    fail('DIFFERENT_PERSON', {
      maxFrameDistance,
      frame: analysed[distances.indexOf(Math.max(...distances))]?.frame.index,
      threshold,
    });
  }
  if (!verify.selfie) return { maxFrameDistance };
  const analyze = verify.analyze ?? analyzeFaces;
  let selfieFaces: DetectedFace[];
  try {
    selfieFaces = selfiePeople((await analyze(verify.selfie)).faces);
  } catch (error) {
    if (isUnanalysableImage(error)) return { maxFrameDistance };
    throw error;
  }
  // A selfie without exactly one face is the usability check's finding; the pipeline re-checks the binding.
  if (selfieFaces.length !== 1) return { maxFrameDistance, selfieFaces: selfieFaces.length };
  const selfieDistance = round(
    faceDistance((selfieFaces[0] as DetectedFace).descriptor, reference.face.descriptor),
    4,
  );
  if (selfieDistance > threshold) {
    fail('DIFFERENT_PERSON', { maxFrameDistance, selfieDistance, threshold });
  }
  return { maxFrameDistance, selfieDistance };
}

/**
 * The passive presentation-attack signal (human's `antispoof` model) on the frames: the median score over the frames
 * must reach `options.presentationAttack.minAntispoof`, else `PRESENTATION_ATTACK_SUSPECTED`. A median, so one odd
 * frame (motion blur, a hand) does not decide; thresholds and their APCER / BPCER in docs/liveness.md.
 */
function checkPresentationAttack(
  analysed: readonly AnalysedFrame[],
  options: LivenessOptions,
): Record<string, unknown> {
  const scores = analysed.map((a) => a.face.presentationAttack?.antispoof).filter((s) => s !== undefined);
  if (scores.length === 0) return {};
  const antispoof = round(median(scores));
  if (antispoof < options.presentationAttack.minAntispoof) {
    fail('PRESENTATION_ATTACK_SUSPECTED', {
      antispoof,
      minAntispoof: options.presentationAttack.minAntispoof,
    });
  }
  return { antispoof };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The neutral start: the median of the measures of the frames before the first action. */
function baselineOf(analysed: readonly AnalysedFrame[]): FaceMeasures {
  const start = analysed.filter((a) => a.frame.kind === 'neutral' && a.frame.step === 0);
  const pick = (key: keyof FaceMeasures) => median(start.map((a) => a.measures[key]));
  return {
    yaw: pick('yaw'),
    pitch: pick('pitch'),
    roll: pick('roll'),
    faceWidth: pick('faceWidth'),
    eyeOpenness: pick('eyeOpenness'),
  };
}

/**
 * Each step's peak must show its own action at ≥ 1 (the server threshold) against the neutral start; a peak showing
 * another requested action instead is out of order. Neutral frames must be near neutral (`neutralTolerance`).
 */
function checkActions(
  challenge: ChallengeToVerify,
  analysed: readonly AnalysedFrame[],
  options: LivenessOptions,
): Record<string, unknown> {
  const baseline = baselineOf(analysed);
  const progress = (action: LivenessAction, a: AnalysedFrame) =>
    actionProgress(action, baseline, a.measures, options.thresholds);
  let neutralMaxProgress = 0;
  for (const a of analysed.filter((x) => x.frame.kind === 'neutral')) {
    const most = Math.max(...POSE_ACTIONS.map((action) => progress(action, a)));
    neutralMaxProgress = Math.max(neutralMaxProgress, most);
    if (most >= options.neutralTolerance)
      fail('NOT_NEUTRAL', { frame: a.frame.index, progress: round(most) });
  }
  const stepProgress: number[] = [];
  challenge.actions.forEach((action, step) => {
    const peaks = analysed.filter((a) => a.frame.kind === 'peak' && a.frame.step === step);
    const best = Math.max(...peaks.map((a) => progress(action, a)));
    stepProgress.push(round(best));
    if (best >= 1) return;
    const shown = challenge.actions.find(
      (other, j) => j !== step && other !== action && peaks.some((a) => progress(other, a) >= 1),
    );
    fail(shown ? 'ACTIONS_OUT_OF_ORDER' : 'ACTION_NOT_PERFORMED', {
      step,
      stepProgress,
      ...(shown ? { shownAction: shown } : {}),
    });
  });
  return {
    stepProgress,
    neutralMaxProgress: round(neutralMaxProgress),
    baseline: {
      yaw: round(baseline.yaw, 1),
      pitch: round(baseline.pitch, 1),
      faceWidth: round(baseline.faceWidth),
      eyeOpenness: round(baseline.eyeOpenness),
    },
  };
}

/**
 * A live face never holds perfectly still: the most different two burst frames must differ by at least
 * `minBurstMotion` (|Δyaw| + |Δpitch| in degrees + nose displacement in % of the face width). Re-encodes of one photo
 * measure ≤ 1.5 on the test media (docs/liveness.md).
 */
function checkBurstMotion(
  analysed: readonly AnalysedFrame[],
  options: LivenessOptions,
): Record<string, unknown> {
  let motion = 0;
  for (let i = 0; i < analysed.length; i++) {
    for (let j = i + 1; j < analysed.length; j++) {
      const a = analysed[i] as AnalysedFrame;
      const b = analysed[j] as AnalysedFrame;
      const shift = (100 * Math.hypot(a.nose.x - b.nose.x, a.nose.y - b.nose.y)) / Math.max(1, a.faceWidthPx);
      const turn = Math.abs(a.measures.yaw - b.measures.yaw) + Math.abs(a.measures.pitch - b.measures.pitch);
      motion = Math.max(motion, turn + shift);
    }
  }
  const rounded = round(motion, 2);
  if (rounded < options.minBurstMotion) fail('NO_NATURAL_MOTION', { motion: rounded });
  return { motion: rounded };
}
