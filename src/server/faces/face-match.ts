/**
 * Selfie-to-document face match: the one face of a selfie against the portrait on an ID's front, as a
 * `MATCH | NO_MATCH | NOT_POSSIBLE` verdict and a `faceMatchScore` 0–100 where ≥ 80 means match (the convention of
 * the ID-proofing seed), and the face look-ups document checks need (`findDocumentPortraits`, `findFaces`).
 *
 * The threshold is a descriptor distance (1 − cosine of human's `faceres` descriptors), chosen on real people
 * (`npm run bench -- faces-real`, docs/face-match-calibration.md): see DEFAULT_FACE_MATCH_THRESHOLD. A client can set
 * its own (the KYC seed's `onboarding_face_encoding_tolerance`): `FaceMatchSettings.threshold`.
 */
import {
  analyzeFaces,
  type DetectedFace,
  type FaceAnalysis,
  faceDistance,
  isUnanalysableImage,
  locateFaces,
} from './face-analysis.js';

/**
 * Descriptor distance (1 − cosine of `faceres` descriptors on the mesh-aligned crop) at and below which two faces are
 * the same person; maps to a score of 80. Chosen on the real pairs of `npm run bench -- faces-real`
 * (docs/face-match-calibration.md): 2 676 genuine and 90 682 impostor pairs of ORL + Yale + human-stock + openface,
 * where the FMR 0.1 % point is 0.371; at 0.37 FMR is 0.090 % (82 pairs) and FNMR 2.77 % (74 pairs; EER 0.85 % at
 * 0.418). Printed, photographed ID-card portraits against other photos of the person: FMR 0.17 % (3 of 1 784),
 * FNMR 5.9 % (31 of 527). Re-choose it whenever the crop or the descriptor changes: the distances move with them.
 */
export const DEFAULT_FACE_MATCH_THRESHOLD = 0.37;
/**
 * Bounds a client's own threshold may take: 0.30 (FMR 0.001 %, FNMR 11.1 % on the real pairs) to 0.45 (FMR 2.4 %,
 * FNMR 0.5 %).
 */
export const FACE_MATCH_THRESHOLD_RANGE = { min: 0.3, max: 0.45 } as const;
/** Distance that maps to a score of 0. */
export const FACE_MATCH_ZERO_SCORE_DISTANCE = 1;
export const FACE_MATCH_SCORE_THRESHOLD = 80;

/** Per-client face-match settings (a client's `face_match_threshold`, else the default). */
export interface FaceMatchSettings {
  /** Descriptor distance at and below which faces match (`FACE_MATCH_THRESHOLD_RANGE`). */
  threshold: number;
}

export const DEFAULT_FACE_MATCH_SETTINGS: FaceMatchSettings = { threshold: DEFAULT_FACE_MATCH_THRESHOLD };

/**
 * Faces narrower than this share of the largest face's width do not count as another person in a selfie: such
 * detections are far-away passers-by or pictures on a wall, not someone presenting their face.
 */
export const SELFIE_BYSTANDER_WIDTH_RATIO = 0.35;

/**
 * Monotone, piecewise linear, decreasing in distance: 0 → 100, threshold → 80, `FACE_MATCH_ZERO_SCORE_DISTANCE` (and
 * beyond) → 0. Rounded to one decimal, but never across the 80 line, so `score ≥ 80` ⇔ `distance ≤ threshold`.
 */
export function faceMatchScore(distance: number, threshold = DEFAULT_FACE_MATCH_THRESHOLD): number {
  const t = threshold;
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
      threshold: number;
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
  settings: FaceMatchSettings = DEFAULT_FACE_MATCH_SETTINGS,
): { similarity: 'MATCH' | 'NO_MATCH'; faceMatchScore: number; distance: number; threshold: number } {
  const distance = faceDistance(selfie, portrait);
  return {
    similarity: distance <= settings.threshold ? 'MATCH' : 'NO_MATCH',
    faceMatchScore: faceMatchScore(distance, settings.threshold),
    distance: Math.round(distance * 10_000) / 10_000,
    threshold: settings.threshold,
  };
}

/** The analysis, or undefined when the image does not decode. */
async function analysisOrUnreadable(image: Buffer): Promise<FaceAnalysis | undefined> {
  try {
    return await analyzeFaces(image);
  } catch (error) {
    if (isUnanalysableImage(error)) return undefined;
    throw error;
  }
}

/**
 * Compares the selfie's one person with the largest face on the document front (the portrait, not a ghost image).
 * Both analyses run at once (two pool workers) and come from the cache when the images were analysed before.
 */
export async function compareSelfieWithDocument(
  selfie: Buffer,
  documentFront: Buffer,
  settings: FaceMatchSettings = DEFAULT_FACE_MATCH_SETTINGS,
): Promise<FaceMatch> {
  const [selfieAnalysis, documentAnalysis] = await Promise.all([
    analysisOrUnreadable(selfie),
    analysisOrUnreadable(documentFront),
  ]);
  if (!selfieAnalysis) return { similarity: 'NOT_POSSIBLE', reason: 'UNREADABLE_IMAGE' };
  const people = selfiePeople(selfieAnalysis.faces);
  const facesInSelfie = people.length;
  if (facesInSelfie === 0) return { similarity: 'NOT_POSSIBLE', reason: 'NO_FACE_PRESENT', facesInSelfie };
  if (facesInSelfie > 1) return { similarity: 'NOT_POSSIBLE', reason: 'MULTIPLE_PEOPLE', facesInSelfie };
  if (!documentAnalysis) return { similarity: 'NOT_POSSIBLE', reason: 'UNREADABLE_IMAGE', facesInSelfie };
  const portrait = documentAnalysis.faces[0];
  if (!portrait) {
    return { similarity: 'NOT_POSSIBLE', reason: 'NO_FACE_ON_DOCUMENT', facesInSelfie, facesOnDocument: 0 };
  }
  return {
    ...matchDescriptors((people[0] as DetectedFace).descriptor, portrait.descriptor, settings),
    facesInSelfie,
    facesOnDocument: documentAnalysis.faces.length,
  };
}

/** A face found in an image, for document checks (no biometric data). */
export interface FoundFace {
  /** Pixels of the image as stored (EXIF orientation applied, not downscaled). */
  box: { x: number; y: number; width: number; height: number };
  /** Detector confidence 0–1. */
  score: number;
  /** Face box height over the image height: a selfie's face ~0.3–0.7, a printed portrait on a card photo ~0.1–0.3. */
  heightShare: number;
}

/**
 * Every face in an image (JPEG or PNG bytes), largest first: "is there a face in this image" (a document uploaded
 * as FACE has none, or only a small printed one). Located only, not described (`locateFaces`). Throws
 * `FaceAnalyzerError` `FACE_IMAGE_UNREADABLE` for bytes that do not decode.
 */
export async function findFaces(
  image: Buffer,
): Promise<{ width: number; height: number; faces: FoundFace[] }> {
  const analysis = await locateFaces(image);
  const toStored = 1 / analysis.scale;
  return {
    width: Math.round(analysis.width * toStored),
    height: Math.round(analysis.height * toStored),
    faces: analysis.faces.map((f) => ({
      box: {
        x: Math.round(f.box.x * toStored),
        y: Math.round(f.box.y * toStored),
        width: Math.round(f.box.width * toStored),
        height: Math.round(f.box.height * toStored),
      },
      score: Math.round(f.score * 1000) / 1000,
      heightShare: Math.round((f.box.height / analysis.height) * 1000) / 1000,
    })),
  };
}

/**
 * The portrait(s) on a document front (a photo of a card, or a rectified card image; JPEG or PNG bytes; RGBA via
 * `sharp(raw).png()` first), largest first; empty when there is none (`NO_PORTRAIT`). Works on small printed
 * portraits (110–260 px tall on a 1280 px card photo: 60 of 60 found in `npm run bench -- faces-real`). A selfie uploaded
 * as FRONT shows as one face with a large `heightShare` (≥ ~0.35) and no document around it; the caller's quad
 * search decides "no document".
 */
export const findDocumentPortraits = async (front: Buffer): Promise<FoundFace[]> =>
  (await findFaces(front)).faces;
