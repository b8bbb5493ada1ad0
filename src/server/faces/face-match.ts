/**
 * Selfie-to-document face match: the one face of a selfie against the portrait on an ID's front, as a
 * `MATCH | NO_MATCH | NOT_POSSIBLE` verdict and a `faceMatchScore` 0–100 where ≥ 80 means match (the convention
 * of the ID-proofing seed).
 *
 * Calibration (scripts/calibrate-face-match.ts, written up in docs/face-match-calibration.md): descriptor distances
 * of 19 genuine pairs (the astronaut photo vs generated ID cards carrying it at several card widths, blur, exposure
 * and JPEG qualities, photographed on a desk, and vs rotated/shifted/scaled/blurred selfie scenes of itself) and 253
 * impostor pairs (the 22 faces of face-api's six demo group photos vs the astronaut card and vs each other).
 * Genuine pairs measured 0.055–0.435 (the worst: card blurred σ 3, head rotated 20°), impostors 0.450–0.896 (demo
 * faces vs the astronaut card 0.67–0.83; the closest impostors are look-alike young women of the demo photos). The
 * threshold 0.44 sits in that gap: 0 false matches and 0 false non-matches on this set. It is stricter than the
 * model's customary 0.6, which falsely matched 19 of the 253 impostor pairs here. Our genuine pairs share one
 * source photo, so a live selfie against a years-old printed portrait will land further out and some real holders
 * will be asked to retake; a false match is the costlier error. The set is tiny (1 genuine identity, 22 impostor
 * faces): these are sanity numbers, not production error rates; recalibrate on consented real data.
 */
import { type DetectedFace, detectFaces, FaceAnalyzerError, faceDistance } from './face-analyzer.js';

/** Descriptor distance at and below which two faces are the same person; maps to a score of 80. */
export const FACE_MATCH_THRESHOLD = 0.44;
/** Distance that maps to a score of 0 (impostor pairs measured 0.45–0.90). */
export const FACE_MATCH_ZERO_SCORE_DISTANCE = 1;
export const FACE_MATCH_SCORE_THRESHOLD = 80;

/**
 * Faces narrower than this share of the largest face's width do not count as another person in a selfie: such
 * detections are far-away passers-by or pictures on a wall, not someone presenting their face.
 */
export const SELFIE_BYSTANDER_WIDTH_RATIO = 0.35;

/**
 * Monotone, piecewise linear, decreasing in distance: 0 → 100, threshold → 80, `FACE_MATCH_ZERO_SCORE_DISTANCE` (and
 * beyond) → 0. Rounded to one decimal, but never across the 80 line, so `score ≥ 80` ⇔ `distance ≤ threshold`.
 */
export function faceMatchScore(distance: number): number {
  const t = FACE_MATCH_THRESHOLD;
  const raw =
    distance <= t
      ? 80 + (20 * (t - Math.max(0, distance))) / t
      : (80 * Math.max(0, FACE_MATCH_ZERO_SCORE_DISTANCE - distance)) / (FACE_MATCH_ZERO_SCORE_DISTANCE - t);
  const rounded = Math.round(raw * 10) / 10;
  return distance <= t ? Math.max(FACE_MATCH_SCORE_THRESHOLD, rounded) : Math.min(79.9, rounded);
}

export type FaceMatchVerdict = 'MATCH' | 'NO_MATCH' | 'NOT_POSSIBLE';
export type FaceMatchUnavailableReason =
  | 'NO_FACE_PRESENT'
  | 'MULTIPLE_PEOPLE'
  | 'NO_FACE_ON_DOCUMENT'
  | 'UNREADABLE_IMAGE';

export type FaceMatch =
  | {
      similarity: 'MATCH' | 'NO_MATCH';
      faceMatchScore: number;
      distance: number;
      facesInSelfie: number;
      facesOnDocument: number;
    }
  | {
      similarity: 'NOT_POSSIBLE';
      reason: FaceMatchUnavailableReason;
      facesInSelfie?: number;
      facesOnDocument?: number;
    };

/** Faces that count as people in a selfie (largest first): bystander-sized detections dropped. */
export function selfiePeople(faces: readonly DetectedFace[]): DetectedFace[] {
  const largest = Math.max(0, ...faces.map((f) => f.box.width));
  return faces.filter((f) => f.box.width >= SELFIE_BYSTANDER_WIDTH_RATIO * largest);
}

/** Verdict for two descriptors already in hand. */
export function matchDescriptors(
  selfie: Float32Array,
  portrait: Float32Array,
): { similarity: 'MATCH' | 'NO_MATCH'; faceMatchScore: number; distance: number } {
  const distance = faceDistance(selfie, portrait);
  return {
    similarity: distance <= FACE_MATCH_THRESHOLD ? 'MATCH' : 'NO_MATCH',
    faceMatchScore: faceMatchScore(distance),
    distance: Math.round(distance * 10_000) / 10_000,
  };
}

async function facesOrUnreadable(image: Buffer): Promise<DetectedFace[] | undefined> {
  try {
    return await detectFaces(image);
  } catch (error) {
    if (error instanceof FaceAnalyzerError && error.code === 'FACE_IMAGE_UNREADABLE') return undefined;
    throw error;
  }
}

/** Compares the selfie's one face with the largest face on the document front (the portrait). */
export async function compareSelfieWithDocument(selfie: Buffer, documentFront: Buffer): Promise<FaceMatch> {
  const selfieFaces = await facesOrUnreadable(selfie);
  if (!selfieFaces) return { similarity: 'NOT_POSSIBLE', reason: 'UNREADABLE_IMAGE' };
  const people = selfiePeople(selfieFaces);
  const facesInSelfie = people.length;
  if (facesInSelfie === 0) return { similarity: 'NOT_POSSIBLE', reason: 'NO_FACE_PRESENT', facesInSelfie };
  if (facesInSelfie > 1) return { similarity: 'NOT_POSSIBLE', reason: 'MULTIPLE_PEOPLE', facesInSelfie };

  const documentFaces = await facesOrUnreadable(documentFront);
  if (!documentFaces) return { similarity: 'NOT_POSSIBLE', reason: 'UNREADABLE_IMAGE', facesInSelfie };
  const portrait = documentFaces[0]; // largest first: the main portrait, not a ghost image
  if (!portrait) {
    return { similarity: 'NOT_POSSIBLE', reason: 'NO_FACE_ON_DOCUMENT', facesInSelfie, facesOnDocument: 0 };
  }
  return {
    ...matchDescriptors((people[0] as DetectedFace).descriptor, portrait.descriptor),
    facesInSelfie,
    facesOnDocument: documentFaces.length,
  };
}
