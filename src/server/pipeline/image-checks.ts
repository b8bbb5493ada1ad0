/**
 * The `imageChecks` capability: does each stored image show what it claims to? One result per credential.
 *
 * ID credential, in this order (the first that applies is the label):
 * - `NOT_EXECUTED UNSUPPORTED_FORMAT`: a page is a PDF (stored, not rasterised: no pixels to judge);
 * - `NOT_EXECUTED UNREADABLE_IMAGE`: a stored page no longer decodes (a fault, not a verdict on the user);
 * - `REJECTED NOT_UPLOADED` / `MISSING_BACK`: a page the document needs is not there, or the back repeats the front;
 * - `REJECTED BLANK_PAGE`: nothing printed (an empty image, or a blank sheet's outline);
 * - `REJECTED SELFIE_AS_DOCUMENT`: a face in the middle of the picture, no document around it;
 * - `REJECTED NO_DOCUMENT`: neither a document's outline nor anything machine-readable nor a card's portrait;
 * - `REJECTED DOCUMENT_TYPE_MISMATCH`: what was read is another kind of document than the one chosen (a passport
 *   page where a driving licence was chosen);
 * - `REJECTED NO_PORTRAIT`: a photo ID without a face on it (on the front, or on the back when the pages were
 *   uploaded the wrong way round: that is reported as `sidesSwapped`, not rejected);
 * - `PASSED OK`.
 * SELFIE credential: `REJECTED NO_FACE_PRESENT` (no face), `REJECTED DOCUMENT_AS_SELFIE` (the face is a portrait
 * printed on a document in the picture), else `PASSED OK`.
 *
 * Result data: numbers and codes only (shape, boundary support, rotation, counts, statuses), never read values.
 */
import { randomUUID } from 'node:crypto';
import { findDocumentQuad } from '../../analysis/document-quad.js';
import { pointInQuad } from '../../analysis/quad-geometry.js';
import type { DocumentReaders, SideAnalysis } from '../documents/document-analysis.js';
import { decodeForAnalysis, lumaSpread } from '../documents/document-image.js';
import type { DocumentTypeRead } from '../documents/identity.js';
import { type DocumentEvidence, documentEvidence } from './document-evidence.js';
import type { Capability, CapabilityResult, DecisionType, ExecutionInput } from './types.js';

/** The same blank floor as document pages: a selfie with nothing in it has no face to find either. */
const BLANK_SELFIE_STDDEV = 9;
/** Boundary support from which a card in a selfie counts as a document (as in document-analysis). */
const SELFIE_DOCUMENT_CONFIDENCE = 0.6;
/** A face on a card is small against the card: at most half of its short side (ID-1 portraits: 25–45 %). */
const PORTRAIT_MAX_SHARE_OF_CARD = 0.5;

export function imageChecksCapability(readers: DocumentReaders): Capability {
  return {
    name: 'imageChecks',
    async run(input: ExecutionInput): Promise<CapabilityResult[]> {
      const results: CapabilityResult[] = [];
      for (const credential of input.credentials) {
        const ref = [{ id: credential.id, category: credential.category }];
        const result = (
          type: DecisionType,
          label: string,
          data: Record<string, unknown>,
        ): CapabilityResult => ({
          id: randomUUID(),
          credentials: ref,
          decision: { type, details: { label } },
          data,
        });
        if (credential.category === 'ID') {
          const evidence = await documentEvidence(input, credential.id, readers);
          const [type, label] = judgeDocument(evidence, input.documentType);
          results.push(result(type, label, documentData(evidence)));
        } else if (credential.category === 'SELFIE') {
          const selfie = input.parts.find((p) => p.credentialId === credential.id && p.classifier === 'FACE');
          if (!selfie) {
            results.push(result('REJECTED', 'NOT_UPLOADED', {}));
            continue;
          }
          if (selfie.mime !== 'image/jpeg' && selfie.mime !== 'image/png') {
            results.push(result('NOT_EXECUTED', 'UNSUPPORTED_FORMAT', {}));
            continue;
          }
          const [type, label, data] = await judgeSelfie(await selfie.read(), readers);
          results.push(result(type, label, data));
        }
      }
      return results;
    },
  };
}

/** Which kind of document a reading shows, when it tells: the MRZ's document code, or the AAMVA subfile. */
export function documentTypeRead(evidence: DocumentEvidence): DocumentTypeRead | undefined {
  for (const reading of evidence.readings) {
    if (reading.source !== 'VIZ' && reading.fields.type) return reading.fields.type;
  }
  return undefined;
}

/**
 * A chosen type and the read one disagree when one is a booklet page (passport, visa) and the other a card: the
 * two card types are not told apart (a US licence and a state ID are one card format, and users pick either), so
 * whether a card type was allowed is a data check, not an image check.
 */
function typesConflict(chosen: string | undefined, read: DocumentTypeRead | undefined): boolean {
  if (!chosen || !read) return false;
  const booklet = (t: string) => t === 'PASSPORT' || t === 'VISA';
  return booklet(chosen) !== booklet(read) || (booklet(chosen) && chosen !== read);
}

export function judgeDocument(
  evidence: DocumentEvidence,
  chosenType: string | undefined,
): [DecisionType, string] {
  if (evidence.unsupported.length > 0) return ['NOT_EXECUTED', 'UNSUPPORTED_FORMAT'];
  const sides = [evidence.front, evidence.back].filter((s): s is SideAnalysis => s !== undefined);
  if (sides.some((s) => !s.decoded)) return ['NOT_EXECUTED', 'UNREADABLE_IMAGE'];
  if (evidence.missing.includes('FRONT')) return ['REJECTED', 'NOT_UPLOADED'];
  if (evidence.missing.includes('BACK')) return ['REJECTED', 'MISSING_BACK'];
  const front = evidence.front;
  if (!front) return ['REJECTED', 'NOT_UPLOADED'];
  if (front.blank) return ['REJECTED', 'BLANK_PAGE'];
  if (front.selfieLike) return ['REJECTED', 'SELFIE_AS_DOCUMENT'];
  if (!front.document) return ['REJECTED', 'NO_DOCUMENT'];
  if (evidence.back) {
    if (evidence.backRepeatsFront) return ['REJECTED', 'MISSING_BACK'];
    if (evidence.back.blank) return ['REJECTED', 'BLANK_PAGE'];
    if (!evidence.back.document) return ['REJECTED', 'NO_DOCUMENT'];
  }
  if (typesConflict(chosenType, documentTypeRead(evidence))) return ['REJECTED', 'DOCUMENT_TYPE_MISMATCH'];
  const portraitSide = evidence.sidesSwapped ? evidence.back : front;
  if (evidence.expectation.portrait && !portraitSide?.faces.length) return ['REJECTED', 'NO_PORTRAIT'];
  return ['PASSED', 'OK'];
}

function sideData(side: SideAnalysis): Record<string, unknown> {
  return {
    classifier: side.classifier,
    document: side.document,
    blank: side.blank,
    ...(side.shape ? { shape: side.shape } : {}),
    ...(side.boundary
      ? { boundary: { confidence: side.boundary.confidence, aspect: side.boundary.aspect } }
      : {}),
    rotation: side.rotation,
    ...(side.classifier === 'FRONT' || side.faces.length > 0 ? { facesOnDocument: side.faces.length } : {}),
    ...(side.mrz ? { mrz: side.mrz.status } : {}),
    ...(side.barcode ? { barcode: side.barcode.status } : {}),
    ms: Math.round(side.ms),
  };
}

function documentData(evidence: DocumentEvidence): Record<string, unknown> {
  const read = documentTypeRead(evidence);
  return {
    pages: [evidence.front, evidence.back].filter((s) => s !== undefined).map(sideData),
    ...(read ? { documentTypeRead: read } : {}),
    ...(evidence.missing.length ? { missing: evidence.missing } : {}),
    ...(evidence.unsupported.length ? { unsupported: evidence.unsupported } : {}),
    ...(evidence.sidesSwapped ? { sidesSwapped: true } : {}),
  };
}

async function judgeSelfie(
  encoded: Buffer,
  readers: DocumentReaders,
): Promise<[DecisionType, string, Record<string, unknown>]> {
  let frame: Awaited<ReturnType<typeof decodeForAnalysis>>;
  try {
    frame = await decodeForAnalysis(encoded, 1280);
  } catch {
    return ['NOT_EXECUTED', 'UNREADABLE_IMAGE', {}];
  }
  if (lumaSpread(frame).stdDev < BLANK_SELFIE_STDDEV) return ['REJECTED', 'NO_FACE_PRESENT', { faces: 0 }];
  const faces = await readers.findFaces(frame);
  if (faces.length === 0) return ['REJECTED', 'NO_FACE_PRESENT', { faces: 0 }];
  const largest = faces.reduce((a, b) => (b.box.height > a.box.height ? b : a));
  const card = findDocumentQuad(frame, { workingWidth: 480 });
  if (card && card.confidence >= SELFIE_DOCUMENT_CONFIDENCE) {
    const centre = { x: largest.box.x + largest.box.width / 2, y: largest.box.y + largest.box.height / 2 };
    const [a, b, , d] = card.quad;
    const shortSide = Math.min(Math.hypot(b.x - a.x, b.y - a.y), Math.hypot(d.x - a.x, d.y - a.y));
    if (pointInQuad(centre, card.quad) && largest.box.height < PORTRAIT_MAX_SHARE_OF_CARD * shortSide) {
      return ['REJECTED', 'DOCUMENT_AS_SELFIE', { faces: faces.length }];
    }
  }
  return ['PASSED', 'OK', { faces: faces.length }];
}
