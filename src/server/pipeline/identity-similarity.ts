/**
 * The `similarity` capability of returning-user authentication (definition 10090, the KYC API's IDA session): is the
 * person of the selfie (SELFIE credential, FACE part) the verified identity? The selfie's one face is described by the
 * server's own face analysis and compared with the identity's template (the descriptor of the selfie that verified
 * it) at `input.identityMatch.threshold` — the same descriptor distance and score mapping as the onboarding face
 * match (../faces/face-match.ts). Photo ↔ photo is exactly what the calibration's real pairs are (ORL + Yale +
 * human-stock + openface, `npm run bench -- faces-real`, docs/face-match-calibration.md): at the default 0.37, FMR
 * 0.090 % (82 of 90 682 impostor pairs) and FNMR 2.77 % (74 of 2 676 genuine pairs), so the onboarding default
 * serves as the `verified_account_face_encoding_tolerance` default too (selfie ↔ printed portrait is the harder
 * case: FNMR 5.9 % there).
 *
 * MATCH → PASSED, NO_MATCH → REJECTED, no comparison possible → NOT_EXECUTED labelled with the reason
 * (NO_FACE_PRESENT, MULTIPLE_PEOPLE, UNREADABLE_IMAGE, NOT_UPLOADED, UNSUPPORTED_FORMAT, NO_IDENTITY_TEMPLATE); as a
 * required capability a NOT_EXECUTED keeps the session from passing.
 */
import { randomUUID } from 'node:crypto';
import { analyzeFaces, type DetectedFace, isUnanalysableImage } from '../faces/face-analysis.js';
import { matchDescriptors, selfiePeople } from '../faces/face-match.js';
import type { Capability, CapabilityResult, DecisionType, ExecutionInput } from './types.js';

const FACE_IMAGE_MIME = new Set(['image/jpeg', 'image/png']);

export type IdentityComparison =
  | {
      similarity: 'MATCH' | 'NO_MATCH';
      faceMatchScore: number;
      distance: number;
      threshold: number;
      facesInSelfie: number;
    }
  | {
      similarity: 'NOT_POSSIBLE';
      reason:
        | 'NO_FACE_PRESENT'
        | 'MULTIPLE_PEOPLE'
        | 'UNREADABLE_IMAGE'
        | 'NOT_UPLOADED'
        | 'UNSUPPORTED_FORMAT'
        | 'NO_IDENTITY_TEMPLATE';
      facesInSelfie?: number;
    };

const DECISION: Record<IdentityComparison['similarity'], DecisionType> = {
  MATCH: 'PASSED',
  NO_MATCH: 'REJECTED',
  NOT_POSSIBLE: 'NOT_EXECUTED',
};

export const identitySimilarityCapability: Capability = {
  name: 'similarity',
  async run(input: ExecutionInput): Promise<CapabilityResult[]> {
    const selfieCredential = input.credentials.find((c) => c.category === 'SELFIE');
    const outcome = await compareWithIdentity(input);
    const { similarity } = outcome;
    // Numbers and codes only: neither descriptor leaves the analysis.
    const { reason: _reason, ...data } = outcome as IdentityComparison & { reason?: string };
    return [
      {
        id: randomUUID(),
        credentials: selfieCredential
          ? [{ id: selfieCredential.id, category: selfieCredential.category }]
          : [],
        decision: {
          type: DECISION[similarity],
          details: { label: similarity === 'NOT_POSSIBLE' ? outcome.reason : similarity },
        },
        data,
      },
    ];
  },
};

async function compareWithIdentity(input: ExecutionInput): Promise<IdentityComparison> {
  const match = input.identityMatch;
  if (!match || match.template.length === 0)
    return { similarity: 'NOT_POSSIBLE', reason: 'NO_IDENTITY_TEMPLATE' };
  const selfieCredential = input.credentials.find((c) => c.category === 'SELFIE');
  const selfie = input.parts.find((p) => p.credentialId === selfieCredential?.id && p.classifier === 'FACE');
  if (!selfie) return { similarity: 'NOT_POSSIBLE', reason: 'NOT_UPLOADED' };
  if (!FACE_IMAGE_MIME.has(selfie.mime)) return { similarity: 'NOT_POSSIBLE', reason: 'UNSUPPORTED_FORMAT' };
  let people: DetectedFace[];
  try {
    people = selfiePeople((await analyzeFaces(await selfie.read())).faces);
  } catch (error) {
    if (isUnanalysableImage(error)) return { similarity: 'NOT_POSSIBLE', reason: 'UNREADABLE_IMAGE' };
    throw error;
  }
  const facesInSelfie = people.length;
  if (facesInSelfie === 0) return { similarity: 'NOT_POSSIBLE', reason: 'NO_FACE_PRESENT', facesInSelfie };
  if (facesInSelfie > 1) return { similarity: 'NOT_POSSIBLE', reason: 'MULTIPLE_PEOPLE', facesInSelfie };
  const face = people[0] as DetectedFace;
  if (face.descriptor.length !== match.template.length) {
    // A template of another descriptor model cannot be compared (identities.ts refuses to load one).
    return { similarity: 'NOT_POSSIBLE', reason: 'NO_IDENTITY_TEMPLATE' };
  }
  return {
    ...matchDescriptors(face.descriptor, Float32Array.from(match.template), { threshold: match.threshold }),
    facesInSelfie,
  };
}
