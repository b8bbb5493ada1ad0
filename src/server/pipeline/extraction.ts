/**
 * The `extraction` capability: the identity data read from each ID credential, each source (MRZ, PDF417 barcode,
 * printed fields) reported apart and then merged (../documents/identity.ts), in the retrieval API's field names.
 *
 * - `REJECTED MRZ_UNREADABLE`: the document type always has an MRZ (passport, visa) and none could be read, or an
 *   MRZ band was found but could not be read;
 * - `REJECTED BARCODE_UNREADABLE`: a US / Canadian licence or ID card whose PDF417 could not be decoded and parsed;
 * - `PASSED OK`: a machine-readable source was read;
 * - `WARNING LOW_CONFIDENCE`: only printed fields (OCR) could be read — a document type without a machine-readable
 *   zone; the data is best effort;
 * - `NOT_EXECUTED NO_DATA_EXTRACTED`: nothing could be read from a type we cannot read by machine;
 * - `NOT_EXECUTED NO_DOCUMENT` / `UNSUPPORTED_FORMAT`: there was nothing to read from (imageChecks says why);
 * - `NOT_EXECUTED READER_FAILED`: OCR or the barcode decoder failed or ran out of its time bound (a fault, not
 *   evidence: the execution is WARNING, never rejected for it).
 *
 * The data is PII: it lives only in this result (retrieval), is removed by PII deletion, never logged, and is not
 * in the callback. Raw OCR text is not kept beyond the MRZ lines retrieval returns.
 */
import { randomUUID } from 'node:crypto';
import type { DocumentReaders } from '../documents/document-analysis.js';
import type { FieldSource, IdentityFields } from '../documents/identity.js';
import { type DocumentEvidence, documentEvidence } from './document-evidence.js';
import type { Capability, CapabilityResult, DecisionType, ExecutionInput } from './types.js';

export function extractionCapability(readers: DocumentReaders): Capability {
  return {
    name: 'extraction',
    async run(input: ExecutionInput): Promise<CapabilityResult[]> {
      const results: CapabilityResult[] = [];
      for (const credential of input.credentials.filter((c) => c.category === 'ID')) {
        const evidence = await documentEvidence(input, credential.id, readers);
        const [type, label] = judgeExtraction(evidence);
        results.push({
          id: randomUUID(),
          credentials: [{ id: credential.id, category: credential.category }],
          decision: { type, details: { label } },
          data: extractionData(evidence),
        });
      }
      return results;
    },
  };
}

export function judgeExtraction(evidence: DocumentEvidence): [DecisionType, string] {
  if (evidence.unsupported.length > 0) return ['NOT_EXECUTED', 'UNSUPPORTED_FORMAT'];
  const front = evidence.front;
  if (!front?.document || front.blank) return ['NOT_EXECUTED', 'NO_DOCUMENT'];
  const { expectation } = evidence;
  const sides = [evidence.front, evidence.back].filter((s) => s !== undefined);
  const mrzRead = sides.some((s) => s.mrz?.status === 'READ');
  const mrzSeen = sides.some((s) => s.mrz?.status === 'UNREADABLE');
  const barcodeRead = evidence.readings.some((r) => r.source === 'BARCODE');
  // A reader that failed (time bound, crash) says nothing about the document: not executed, never a rejection.
  const failed = sides.some((s) => s.mrz?.status === 'FAILED' || s.barcode?.status === 'FAILED');
  if (failed && !mrzRead && !barcodeRead) return ['NOT_EXECUTED', 'READER_FAILED'];
  if (!mrzRead && (expectation.mrz === 'REQUIRED' || mrzSeen)) return ['REJECTED', 'MRZ_UNREADABLE'];
  if (expectation.barcode && evidence.back && !barcodeRead) return ['REJECTED', 'BARCODE_UNREADABLE'];
  if (evidence.readings.some((r) => r.confidence === 'HIGH' || r.source === 'MRZ')) return ['PASSED', 'OK'];
  if (evidence.readings.length > 0) return ['WARNING', 'LOW_CONFIDENCE'];
  return ['NOT_EXECUTED', 'NO_DATA_EXTRACTED'];
}

/** Retrieval's `capabilities.extraction[].data`: merged fields, then each source's own, then MRZ / barcode. */
export function extractionData(evidence: DocumentEvidence): Record<string, unknown> {
  const { fields, fieldSources } = evidence.merged;
  const sources: Partial<Record<FieldSource, IdentityFields & { classifier: string; confidence: string }>> =
    {};
  for (const reading of evidence.readings) {
    sources[reading.source] ??= {
      ...reading.fields,
      classifier: reading.classifier,
      confidence: reading.confidence,
    };
  }
  return {
    ...fields,
    ...(evidence.mrz ? { mrz: evidence.mrz } : {}),
    ...(evidence.barcode ? { barcode: evidence.barcode } : {}),
    fieldSources,
    sources,
  };
}
