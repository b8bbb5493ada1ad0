/**
 * The `liveness` capability (workflow 10013): did the user pass a liveness challenge, and is the live person the
 * selfie's person? The challenge itself was verified when the widget completed it (src/server/liveness/); here the
 * passed challenge's reference frame (its first neutral or burst frame) is compared once more with the selfie
 * (SELFIE credential, FACE part) by descriptor distance, so a liveness pass cannot be paired with someone else's selfie.
 *
 * DONE + same person as the selfie → PASSED; DONE + another person → REJECTED DIFFERENT_PERSON; DONE but the selfie
 * has no single face or is missing → REJECTED LIVENESS_UNDETERMINED (liveness cannot be bound to it); EXHAUSTED →
 * REJECTED with the last failure's label; no passed challenge → REJECTED LIVENESS_UNDETERMINED. Not 10013 → no
 * result (the pipeline reports NOT_EXECUTED NOT_REQUESTED). Labels: docs/liveness.md.
 */
import { randomUUID } from 'node:crypto';
import { type DetectedFace, detectFaces, FaceAnalyzerError, faceDistance } from '../faces/face-analyzer.js';
import { FACE_MATCH_THRESHOLD, selfiePeople } from '../faces/face-match.js';
import type {
  Capability,
  CapabilityResult,
  DecisionType,
  ExecutionInput,
  LivenessEvidence,
} from './types.js';

const FACE_IMAGE_MIME = new Set(['image/jpeg', 'image/png']);

export const livenessCapability: Capability = {
  name: 'liveness',
  async run(input: ExecutionInput): Promise<CapabilityResult[]> {
    if (input.definitionKey !== 10013) return [];
    const evidence: LivenessEvidence = input.liveness ?? {
      mode: 'passive',
      status: 'REQUIRED',
      challenges: [],
    };
    const credentials = input.credentials
      .filter((c) => c.category === 'SELFIE' || c.category === 'FACEMAP')
      .map((c) => ({ id: c.id, category: c.category }));
    const counts = {
      mode: evidence.mode,
      challenges: evidence.challenges.length,
      failedChallenges: evidence.challenges.filter((c) => !c.passed).length,
    };
    const result = (
      type: DecisionType,
      label: string,
      extra: Record<string, unknown> = {},
    ): CapabilityResult[] => [
      {
        id: randomUUID(),
        credentials,
        decision: { type, details: { label } },
        data: { ...counts, ...extra },
      },
    ];
    if (evidence.status === 'EXHAUSTED') {
      return result(
        'REJECTED',
        evidence.challenges.filter((c) => !c.passed).at(-1)?.label ?? 'LIVENESS_UNDETERMINED',
      );
    }
    if (evidence.status !== 'DONE' || !evidence.referenceFrame)
      return result('REJECTED', 'LIVENESS_UNDETERMINED');
    const selfieCredential = input.credentials.find((c) => c.category === 'SELFIE');
    const selfie = input.parts.find(
      (p) => p.credentialId === selfieCredential?.id && p.classifier === 'FACE',
    );
    if (!selfie || !FACE_IMAGE_MIME.has(selfie.mime)) {
      return result('REJECTED', 'LIVENESS_UNDETERMINED', { selfie: 'NOT_UPLOADED' });
    }
    const selfieFaces = await facesOf(await selfie.read());
    const frameFaces = await facesOf(await evidence.referenceFrame.read());
    if (selfieFaces.length !== 1 || frameFaces.length !== 1) {
      return result('REJECTED', 'LIVENESS_UNDETERMINED', {
        facesInSelfie: selfieFaces.length,
        facesInFrame: frameFaces.length,
      });
    }
    const distance =
      Math.round(
        faceDistance(
          (selfieFaces[0] as DetectedFace).descriptor,
          (frameFaces[0] as DetectedFace).descriptor,
        ) * 10_000,
      ) / 10_000;
    const extra = { selfieDistance: distance, threshold: FACE_MATCH_THRESHOLD };
    return distance <= FACE_MATCH_THRESHOLD
      ? result('PASSED', 'OK', extra)
      : result('REJECTED', 'DIFFERENT_PERSON', extra);
  },
};

/** The people in an image; an undecodable one has none (uploads were validated, so this is rare). */
async function facesOf(image: Buffer): Promise<DetectedFace[]> {
  try {
    return selfiePeople(await detectFaces(image));
  } catch (error) {
    if (error instanceof FaceAnalyzerError && error.code === 'FACE_IMAGE_UNREADABLE') return [];
    throw error;
  }
}
