/**
 * The `similarity` capability: is the person of the selfie (SELFIE credential, FACE part) the holder of the
 * document (ID credential, FRONT part: the portrait)? Decided on the server's own face analysis of the stored
 * pixels; threshold and score mapping are in ../faces/face-match.ts (calibration in docs/face-match-calibration.md);
 * the client's own threshold (`clients.face_match_threshold`) arrives as `input.faceMatch`.
 *
 * MATCH → PASSED, NO_MATCH → REJECTED, NOT_POSSIBLE → NOT_EXECUTED labelled with the reason (NO_FACE_PRESENT,
 * MULTIPLE_PEOPLE, NO_FACE_ON_DOCUMENT, UNREADABLE_IMAGE, NOT_UPLOADED, UNSUPPORTED_FORMAT); usability already
 * rejects what is missing or unusable, so this capability does not reject twice for it.
 */
import { randomUUID } from 'node:crypto';
import {
  compareSelfieWithDocument,
  DEFAULT_FACE_MATCH_SETTINGS,
  type FaceMatch,
  type FaceMatchSettings,
} from '../faces/face-match.js';
import type { Capability, CapabilityResult, DecisionType, ExecutionInput, StoredPart } from './types.js';

const FACE_IMAGE_MIME = new Set(['image/jpeg', 'image/png']);

const DECISION: Record<FaceMatch['similarity'], DecisionType> = {
  MATCH: 'PASSED',
  NO_MATCH: 'REJECTED',
  NOT_POSSIBLE: 'NOT_EXECUTED',
};

export const similarityCapability: Capability = {
  name: 'similarity',
  async run(input: ExecutionInput): Promise<CapabilityResult[]> {
    const selfieCredential = input.credentials.find((c) => c.category === 'SELFIE');
    const idCredentials = input.credentials.filter((c) => c.category === 'ID');
    const selfie = selfieCredential && findPart(input.parts, selfieCredential.id, 'FACE');
    // One comparison per document (normally one); without a document, one result that says why.
    const documents = idCredentials.length > 0 ? idCredentials : [undefined];
    const results: CapabilityResult[] = [];
    for (const idCredential of documents) {
      const credentials = [idCredential, selfieCredential]
        .filter((c) => c !== undefined)
        .map((c) => ({ id: c.id, category: c.category }));
      const front = idCredential && findPart(input.parts, idCredential.id, 'FRONT');
      const outcome = await compare(selfie, front, input.faceMatch ?? DEFAULT_FACE_MATCH_SETTINGS);
      const label = outcome.similarity === 'NOT_POSSIBLE' ? outcome.reason : outcome.similarity;
      results.push({
        id: randomUUID(),
        credentials,
        decision: { type: DECISION[outcome.similarity], details: { label } },
        data: resultData(outcome),
      });
    }
    return results;
  },
};

type Comparison = FaceMatch | { similarity: 'NOT_POSSIBLE'; reason: 'NOT_UPLOADED' | 'UNSUPPORTED_FORMAT' };

async function compare(
  selfie: StoredPart | undefined,
  front: StoredPart | undefined,
  settings: FaceMatchSettings,
): Promise<Comparison> {
  if (!selfie || !front) return { similarity: 'NOT_POSSIBLE', reason: 'NOT_UPLOADED' };
  // A PDF document page has no pixels to find a face in without rasterising it.
  if (!FACE_IMAGE_MIME.has(selfie.mime) || !FACE_IMAGE_MIME.has(front.mime)) {
    return { similarity: 'NOT_POSSIBLE', reason: 'UNSUPPORTED_FORMAT' };
  }
  return compareSelfieWithDocument(await selfie.read(), await front.read(), settings);
}

/** Numbers and codes only: the descriptors themselves are biometric data and never leave the analysis. */
function resultData(outcome: Comparison): Record<string, unknown> {
  if (outcome.similarity === 'NOT_POSSIBLE') {
    const { reason: _reason, ...counts } = outcome;
    return counts;
  }
  return { ...outcome };
}

function findPart(
  parts: readonly StoredPart[],
  credentialId: string,
  classifier: string,
): StoredPart | undefined {
  return parts.find((p) => p.credentialId === credentialId && p.classifier === classifier);
}
