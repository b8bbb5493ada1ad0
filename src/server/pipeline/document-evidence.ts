/**
 * The evidence a document credential gives, gathered once per execution and shared by the capabilities that judge
 * it (`imageChecks`, `extraction`, `dataChecks`, `watchlistScreening`): each stored page analysed
 * (../documents/document-analysis.ts), the readings of every source, and their merge.
 */
import {
  analyseDocumentSide,
  type DocumentExpectation,
  type DocumentReaders,
  documentExpectation,
  hashDistance,
  type SideAnalysis,
} from '../documents/document-analysis.js';
import {
  type BarcodeReport,
  type MergedIdentity,
  type MrzReport,
  mergeReadings,
  type SourceReading,
} from '../documents/identity.js';
import type { ExecutionInput, StoredPart } from './types.js';

/** Parts whose pixels we analyse; a PDF page is stored but not rasterised. */
const IMAGE_MIME = new Set(['image/jpeg', 'image/png']);

/** dHash distance (of 64 bits) up to which two pages are one picture: re-encodes measure 0–3, two sides of a card > 20. */
const SAME_PICTURE_BITS = 6;

export interface DocumentEvidence {
  credentialId: string;
  expectation: DocumentExpectation;
  /** Pages the credential needs that were not uploaded. */
  missing: Array<'FRONT' | 'BACK'>;
  /** Pages uploaded in a format we do not analyse (PDF). */
  unsupported: Array<'FRONT' | 'BACK'>;
  front?: SideAnalysis;
  back?: SideAnalysis;
  /** The back is the front again (same bytes, or the same picture re-encoded). */
  backRepeatsFront: boolean;
  /** The portrait is on the page uploaded as the back: the pages were uploaded the wrong way round. */
  sidesSwapped: boolean;
  readings: SourceReading[];
  merged: MergedIdentity;
  mrz?: MrzReport;
  barcode?: BarcodeReport;
  ms: number;
}

const memo = new WeakMap<ExecutionInput, Map<string, Promise<DocumentEvidence>>>();

/** The evidence of one ID credential, computed on first use and shared for the rest of this execution's run. */
export function documentEvidence(
  input: ExecutionInput,
  credentialId: string,
  readers: DocumentReaders,
): Promise<DocumentEvidence> {
  let byCredential = memo.get(input);
  if (!byCredential) {
    byCredential = new Map();
    memo.set(input, byCredential);
  }
  let pending = byCredential.get(credentialId);
  if (!pending) {
    pending = gatherEvidence(input, credentialId, readers);
    byCredential.set(credentialId, pending);
  }
  return pending;
}

async function gatherEvidence(
  input: ExecutionInput,
  credentialId: string,
  readers: DocumentReaders,
): Promise<DocumentEvidence> {
  const started = performance.now();
  const credential = input.credentials.find((c) => c.id === credentialId);
  const expectation = documentExpectation(input.documentType, input.country);
  const page = (classifier: 'FRONT' | 'BACK'): StoredPart | undefined =>
    input.parts.find((p) => p.credentialId === credentialId && p.classifier === classifier);
  const evidence: DocumentEvidence = {
    credentialId,
    expectation,
    missing: [],
    unsupported: [],
    backRepeatsFront: false,
    sidesSwapped: false,
    readings: [],
    merged: { fields: {}, fieldSources: {} },
    ms: 0,
  };
  const analyse = async (classifier: 'FRONT' | 'BACK'): Promise<SideAnalysis | undefined> => {
    const part = page(classifier);
    if (!part) {
      if (credential?.requiredClassifiers.includes(classifier)) evidence.missing.push(classifier);
      return undefined;
    }
    if (!IMAGE_MIME.has(part.mime)) {
      evidence.unsupported.push(classifier);
      return undefined;
    }
    return analyseDocumentSide(await part.read(), classifier, expectation, readers, {
      wantPrinted: classifier === 'FRONT',
    });
  };
  const [front, initialBack] = await Promise.all([analyse('FRONT'), analyse('BACK')]);
  let back = initialBack;
  const backPart = page('BACK');
  if (front?.document && !front.blank && front.faces.length === 0 && back?.document && backPart) {
    // No portrait on the front: the two pages may have been uploaded the wrong way round. Look on the back (and read
    // its printed fields, which are then the portrait side's) before calling the document portrait-less.
    const again = await analyseDocumentSide(await backPart.read(), 'BACK', expectation, readers, {
      wantPrinted: true,
      findPortrait: true,
    });
    if (again.faces.length > 0) {
      back = again;
      evidence.sidesSwapped = true;
    }
  }
  if (front) evidence.front = front;
  if (back) evidence.back = back;
  const frontPart = page('FRONT');
  evidence.backRepeatsFront = Boolean(
    frontPart &&
      backPart &&
      ((frontPart.sha256 !== undefined && frontPart.sha256 === backPart.sha256) ||
        (front?.fingerprint &&
          back?.fingerprint &&
          hashDistance(front.fingerprint, back.fingerprint) <= SAME_PICTURE_BITS)),
  );

  for (const side of [front, back]) {
    if (!side) continue;
    if (side.mrz?.status === 'READ' && side.mrz.report && side.mrz.fields) {
      evidence.mrz ??= side.mrz.report;
      evidence.readings.push({
        source: 'MRZ',
        classifier: side.classifier,
        confidence: side.mrz.report.valid ? 'HIGH' : 'LOW',
        fields: side.mrz.fields,
      });
    }
    if (side.barcode?.status === 'READ' && side.barcode.fields) {
      if (side.barcode.report) evidence.barcode ??= side.barcode.report;
      evidence.readings.push({
        source: 'BARCODE',
        classifier: side.classifier,
        confidence: 'HIGH',
        fields: side.barcode.fields,
      });
    }
    if (side.printed && Object.keys(side.printed).length > 0) {
      evidence.readings.push({
        source: 'VIZ',
        classifier: side.classifier,
        confidence: 'LOW',
        fields: side.printed,
      });
    }
  }
  evidence.merged = mergeReadings(evidence.readings);
  evidence.ms = Math.round(performance.now() - started);
  return evidence;
}
