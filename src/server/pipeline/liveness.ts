/**
 * The `liveness` capability (both workflows: 10011 passive by default, 10013 in the account's `liveness.mode`): did
 * the user pass a liveness challenge, is the live person the selfie's person, and does the selfie itself pass the
 * passive presentation-attack signal? The challenge was verified when the widget completed it (src/server/liveness/);
 * here the passed challenge's reference frame (its first neutral or burst frame) is compared once more with the
 * selfie (SELFIE credential, FACE part), so a liveness pass cannot be paired with someone else's selfie. Analyses come
 * from the face-analysis cache (the selfie was analysed when the challenge was verified).
 *
 * DONE + same person as the selfie + selfie antispoof ≥ threshold → PASSED; another person → REJECTED
 * DIFFERENT_PERSON; selfie antispoof below → REJECTED PRESENTATION_ATTACK_SUSPECTED; DONE but the selfie has no single
 * face or is missing → REJECTED LIVENESS_UNDETERMINED; EXHAUSTED → REJECTED with the last failure's label; no passed
 * challenge → REJECTED LIVENESS_UNDETERMINED. Labels and thresholds: docs/liveness.md. Challenge-response plus a
 * passive signal, not a certified presentation-attack detector.
 */
import { randomUUID } from 'node:crypto';
import {
  analyzeFaces,
  type DetectedFace,
  faceDistance,
  isUnanalysableImage,
} from '../faces/face-analysis.js';
import { selfiePeople } from '../faces/face-match.js';
import { DEFAULT_LIVENESS_OPTIONS } from '../liveness/liveness-options.js';
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
    const [selfieFaces, frameFaces] = await Promise.all([
      peopleIn(await selfie.read()),
      peopleIn(await evidence.referenceFrame.read()),
    ]);
    if (selfieFaces.length !== 1 || frameFaces.length !== 1) {
      return result('REJECTED', 'LIVENESS_UNDETERMINED', {
        facesInSelfie: selfieFaces.length,
        facesInFrame: frameFaces.length,
      });
    }
    const selfieFace = selfieFaces[0] as DetectedFace;
    const threshold = DEFAULT_LIVENESS_OPTIONS.identityThreshold;
    const distance = round(faceDistance(selfieFace.descriptor, (frameFaces[0] as DetectedFace).descriptor));
    const antispoof = selfieFace.presentationAttack?.antispoof;
    const minAntispoof = DEFAULT_LIVENESS_OPTIONS.presentationAttack.minAntispoof;
    const extra = {
      selfieDistance: distance,
      threshold,
      ...(antispoof !== undefined ? { selfieAntispoof: round(antispoof), minAntispoof } : {}),
    };
    if (distance > threshold) return result('REJECTED', 'DIFFERENT_PERSON', extra);
    if (antispoof !== undefined && antispoof < minAntispoof) {
      return result('REJECTED', 'PRESENTATION_ATTACK_SUSPECTED', extra);
    }
    return result('PASSED', 'OK', extra);
  },
};

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** The people in an image; an undecodable one has none (uploads were validated, so this is rare). */
async function peopleIn(image: Buffer): Promise<DetectedFace[]> {
  try {
    return selfiePeople((await analyzeFaces(image)).faces);
  } catch (error) {
    if (isUnanalysableImage(error)) return [];
    throw error;
  }
}
