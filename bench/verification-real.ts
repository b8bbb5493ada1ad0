/**
 * Document verification on real specimens (`npm run bench -- verification-real`): each image of
 * `../shared/realdata/documents/mrz-specimens/` (evaluation only, read at run time, never copied) uploaded as the
 * front page of a document of the type its file name says, through the server's imageChecks, extraction and
 * dataChecks capabilities with the real readers. One row per image with each capability's verdict, then the labels
 * counted. What to expect: the specimens are expired (EXPIRED is right), four print check digits that do not hold
 * (MRZ_CHECKSUM, checked by hand against the images), several ID-card images show only the MRZ side (NO_PORTRAIT
 * for a front without a face is right), and two files hold another document than their name says (an ID card in
 * `pass2-uto`, a passport in `id2`: DOCUMENT_TYPE_MISMATCH is right). Skipped when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { closeDocumentReaders, prepareDocumentReaders } from '../src/server/documents/index.js';
import { serverDocumentReaders } from '../src/server/documents/readers.js';
import { DEFAULT_REQUIRED_FIELDS, REQUIRABLE_FIELDS } from '../src/server/kyc/requirements.js';
import type { RequiredFieldRule } from '../src/server/pipeline/types.js';
import {
  dataChecksCapability,
  extractionCapability,
  imageChecksCapability,
  runPipeline,
} from '../src/server/pipeline/index.js';

type Row = Record<string, string | number>;

const DEFAULT_REQUIREMENT_RULES: RequiredFieldRule[] = [
  {
    source: 'ANY',
    fields: DEFAULT_REQUIRED_FIELDS.map((name) => ({ name, field: REQUIRABLE_FIELDS[name] })),
  },
];

/** The data checks' required-fields check: `OK`, or the fields that were not read. */
function requiredFieldsOutcome(data: Record<string, unknown> | undefined): string {
  const checks = (data?.checks ?? []) as Array<{ name: string; outcome: string; fields?: string[] }>;
  const check = checks.find((c) => c.name === 'requiredFields');
  if (!check) return 'not checked';
  return check.outcome === 'OK' ? 'OK' : `missing ${(check.fields ?? []).join(' ')}`;
}

const SPECIMENS = join(import.meta.dirname, '../../shared/realdata/documents/mrz-specimens');

export async function benchVerificationReal(): Promise<{ rows: Row[] }> {
  if (!existsSync(SPECIMENS)) {
    return { rows: [{ case: 'skipped: ../shared/realdata/documents/mrz-specimens not present' }] };
  }
  const readers = serverDocumentReaders;
  const capabilities = [
    imageChecksCapability(readers),
    extractionCapability(readers),
    dataChecksCapability(readers),
  ];
  await prepareDocumentReaders();
  const rows: Row[] = [];
  const counts = new Map<string, number>();
  const times: number[] = [];
  try {
    for (const file of readdirSync(SPECIMENS).filter((f) => /\.(jpe?g|png)$/.test(f))) {
      const type = /pass/.test(file) ? 'PASSPORT' : /visa/.test(file) ? 'VISA' : 'ID_CARD';
      const bytes = readFileSync(join(SPECIMENS, file));
      const started = performance.now();
      const outcome = await runPipeline(
        {
          executionId: file,
          definitionKey: 10011,
          documentType: type,
          credentials: [{ id: 'id', category: 'ID', requiredClassifiers: ['FRONT'] }],
          // The KYC requirements every client has by default: which real documents give all four fields.
          dataChecks: { requiredFields: DEFAULT_REQUIREMENT_RULES },
          parts: [
            {
              credentialId: 'id',
              credentialCategory: 'ID',
              classifier: 'FRONT',
              mime: file.endsWith('.png') ? 'image/png' : 'image/jpeg',
              width: 0,
              height: 0,
              read: async () => bytes,
            },
          ],
        },
        capabilities,
      );
      const ms = Math.round(performance.now() - started);
      times.push(ms);
      const verdict = (name: string) => {
        const r = outcome.capabilities[name]?.[0];
        return r ? `${r.decision.type} ${r.decision.details.label}` : '–';
      };
      const extraction = outcome.capabilities.extraction?.[0]?.data as
        | { type?: string; mrz?: { format: string; valid: boolean } }
        | undefined;
      for (const name of ['imageChecks', 'extraction', 'dataChecks']) {
        const label = verdict(name);
        counts.set(`${name}: ${label}`, (counts.get(`${name}: ${label}`) ?? 0) + 1);
      }
      const required = `default required fields: ${requiredFieldsOutcome(outcome.capabilities.dataChecks?.[0]?.data)}`;
      counts.set(required, (counts.get(required) ?? 0) + 1);
      rows.push({
        case: file,
        chosen: type,
        read: extraction?.type ?? '–',
        mrz: extraction?.mrz
          ? `${extraction.mrz.format}${extraction.mrz.valid ? ' valid' : ' check digit fails'}`
          : '–',
        imageChecks: verdict('imageChecks'),
        extraction: verdict('extraction'),
        dataChecks: verdict('dataChecks'),
        requiredFields: requiredFieldsOutcome(outcome.capabilities.dataChecks?.[0]?.data),
        ms,
        loadAvg1m: +(loadavg()[0] ?? 0).toFixed(1),
      });
    }
  } finally {
    await closeDocumentReaders();
  }
  const sorted = [...times].sort((a, b) => a - b);
  rows.push({
    case: `all ${times.length} images: time per execution (front only)`,
    ms: `median ${sorted[Math.floor(sorted.length / 2)]}, range ${sorted[0]}–${sorted.at(-1)}`,
  });
  for (const [label, n] of [...counts].sort()) rows.push({ case: label, chosen: n });
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of (await benchVerificationReal()).rows) console.log(JSON.stringify(r));
}
