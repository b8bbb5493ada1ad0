/**
 * Document verification on real pixels with the real readers (quad search, warp, tesseract MRZ / printed fields,
 * zxing PDF417 + AAMVA, the server's face detector): generated specimens photographed on a desk, and the attacks
 * the decision must refuse, each with its own label.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { closeDocumentReaders } from '../../../src/server/documents/index.js';
import {
  type CapabilityResult,
  dataChecksCapability,
  type ExecutionInput,
  extractionCapability,
  imageChecksCapability,
  runPipeline,
  type StoredPart,
} from '../../../src/server/pipeline/index.js';
import { serverDocumentReaders } from '../../../src/server/documents/readers.js';
import { makeJpeg } from '../../support/server.js';
import {
  ASTRONAUT_PATH,
  breakCheckDigit,
  idCardBack,
  idCardFront,
  passportPage,
  type RgbaImage,
  photographDocument,
  specimenHolder,
  td3Mrz,
} from '../../support/specimens/index.js';

const readers = serverDocumentReaders;
const CAPABILITIES = [
  imageChecksCapability(readers),
  extractionCapability(readers),
  dataChecksCapability(readers),
];
const DECIDED_AT = new Date('2026-03-01T10:00:00Z');

/** The document on a desk, photographed and stored as JPEG, like an upload. */
const photographed = (doc: RgbaImage, seed = 3, rotationDeg = 4) =>
  photographDocument(doc, { seed, rotationDeg });

function part(credentialId: string, classifier: string, bytes: Buffer, mime = 'image/jpeg'): StoredPart {
  return {
    credentialId,
    credentialCategory: credentialId === 'id-1' ? 'ID' : 'SELFIE',
    classifier,
    mime,
    width: 1600,
    height: 1200,
    read: async () => bytes,
  };
}

function execution(
  documentType: string,
  country: string,
  pages: { front?: Buffer; back?: Buffer; face?: Buffer; frontMime?: string },
  extra: Partial<ExecutionInput> = {},
): ExecutionInput {
  const parts: StoredPart[] = [];
  if (pages.front) parts.push(part('id-1', 'FRONT', pages.front, pages.frontMime));
  if (pages.back) parts.push(part('id-1', 'BACK', pages.back));
  if (pages.face) parts.push(part('selfie-1', 'FACE', pages.face));
  return {
    executionId: 'wf-doc',
    definitionKey: 10011,
    documentType,
    country,
    credentials: [
      {
        id: 'id-1',
        category: 'ID',
        requiredClassifiers: documentType === 'PASSPORT' ? ['FRONT'] : ['FRONT', 'BACK'],
      },
      { id: 'selfie-1', category: 'SELFIE', requiredClassifiers: ['FACE'] },
    ],
    parts,
    decidedAt: DECIDED_AT,
    ...extra,
  };
}

async function verify(input: ExecutionInput) {
  const outcome = await runPipeline(input, CAPABILITIES);
  const of = (name: string, credential = 'id-1'): CapabilityResult =>
    outcome.capabilities[name]!.find((r) => r.credentials[0]!.id === credential)!;
  const label = (name: string, credential = 'id-1') => {
    const r = of(name, credential);
    return `${r.decision.type} ${r.decision.details.label}`;
  };
  return { outcome, of, label };
}

const astronautPhoto = readFileSync(ASTRONAUT_PATH);

describe('document verification on generated specimens', { timeout: 240_000 }, () => {
  after(closeDocumentReaders);

  it('passes a US driving licence and returns its barcode and printed data, each with its source', async () => {
    const holder = { ...specimenHolder(11), issuingState: 'USA', nationality: 'USA' };
    const { label, of } = await verify(
      execution('DRIVING_LICENSE', 'USA', {
        front: photographed(await idCardFront({ seed: 11, holder })),
        back: photographed(await idCardBack({ seed: 11, kind: 'us-dl', holder }), 5, -3),
      }),
    );
    assert.equal(label('imageChecks'), 'PASSED OK');
    assert.equal(label('extraction'), 'PASSED OK');
    assert.equal(label('dataChecks'), 'PASSED OK');
    const data = of('extraction').data as Record<string, any>;
    assert.equal(data.type, 'DRIVING_LICENSE');
    assert.equal(data.issuingCountry, 'USA');
    assert.equal(data.lastName, holder.surname.replace(/'/g, ' '));
    assert.equal(data.firstName, holder.givenNames.split(' ')[0]);
    assert.equal(data.dateOfBirth, holder.birthDate);
    assert.equal(data.expiryDate, holder.expiryDate);
    assert.equal(data.documentNumber, holder.documentNumber);
    assert.equal(data.barcode.format, 'AAMVA');
    assert.equal(data.barcode.version, 10);
    assert.ok(data.address.line1 && data.address.postalCode, 'address from the barcode');
    assert.equal(data.fieldSources.lastName, 'BARCODE');
    assert.equal(data.sources.VIZ.lastName, holder.surname, 'the printed name, read by OCR, reported apart');
    assert.equal(data.sources.VIZ.confidence, 'LOW');
  });

  it('passes a passport read from its MRZ, also when photographed upside down', async () => {
    const holder = specimenHolder(12);
    const page = await passportPage({ seed: 12 });
    for (const rotationDeg of [3, 183]) {
      const { label, of } = await verify(
        execution('PASSPORT', holder.issuingState, { front: photographed(page, 4, rotationDeg) }),
      );
      assert.equal(label('imageChecks'), 'PASSED OK', `rotated ${rotationDeg}°`);
      assert.equal(label('extraction'), 'PASSED OK');
      assert.equal(label('dataChecks'), 'PASSED OK');
      const data = of('extraction').data as Record<string, any>;
      assert.deepEqual(
        [data.type, data.lastName, data.documentNumber, data.dateOfBirth, data.expiryDate, data.nationality],
        [
          'PASSPORT',
          holder.surname,
          holder.documentNumber,
          holder.birthDate,
          holder.expiryDate,
          holder.nationality,
        ],
      );
      assert.deepEqual(data.mrz.lines, td3Mrz(holder));
      assert.equal(data.mrz.valid, true);
      assert.equal(data.fieldSources.documentNumber, 'MRZ');
      const pages = (of('imageChecks').data as { pages: Array<{ rotation: number }> }).pages;
      assert.equal(pages[0]!.rotation, rotationDeg > 90 ? 180 : 0);
    }
  });

  it('rejects what is not a document, each with its own label', async () => {
    const blank = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#d8d8d8' } })
      .jpeg()
      .toBuffer();
    const cases: Array<[string, Buffer, string]> = [
      ['noise', await makeJpeg(1600, 1200, 7), 'REJECTED NO_DOCUMENT'],
      ['a blank page', blank, 'REJECTED BLANK_PAGE'],
      ['a selfie', astronautPhoto, 'REJECTED SELFIE_AS_DOCUMENT'],
    ];
    for (const [name, front, expected] of cases) {
      const { label } = await verify(execution('PASSPORT', 'SWE', { front }));
      assert.equal(label('imageChecks'), expected, name);
      assert.equal(label('extraction'), 'NOT_EXECUTED NO_DOCUMENT', name);
    }
  });

  it('rejects a document photographed as the selfie, and passes a real face', async () => {
    const card = photographed(await idCardFront({ seed: 13 }));
    const asFace = await verify(execution('PASSPORT', 'SWE', { face: card }));
    assert.equal(asFace.label('imageChecks', 'selfie-1'), 'REJECTED DOCUMENT_AS_SELFIE');
    const real = await verify(execution('PASSPORT', 'SWE', { face: astronautPhoto }));
    assert.equal(real.label('imageChecks', 'selfie-1'), 'PASSED OK');
    const noise = await verify(execution('PASSPORT', 'SWE', { face: await makeJpeg(800, 600, 3) }));
    assert.equal(noise.label('imageChecks', 'selfie-1'), 'REJECTED NO_FACE_PRESENT');
  });

  it('rejects expired documents, broken check digits and an underage holder', async () => {
    const holder = specimenHolder(14);
    const expired = await verify(
      execution('PASSPORT', holder.issuingState, {
        front: photographed(await passportPage({ seed: 14, holder: { expiryDate: '2025-11-30' } })),
      }),
    );
    assert.equal(expired.label('dataChecks'), 'REJECTED EXPIRED');
    const forged = await verify(
      execution('PASSPORT', holder.issuingState, {
        front: photographed(
          await passportPage({ seed: 14, mrzLines: breakCheckDigit(td3Mrz(holder), 'dateOfBirth') }),
        ),
      }),
    );
    assert.equal(forged.label('dataChecks'), 'REJECTED MRZ_CHECKSUM');
    assert.equal((forged.of('extraction').data as any).mrz.checks.dateOfBirth, false);
    const young = await verify(
      execution(
        'PASSPORT',
        holder.issuingState,
        { front: photographed(await passportPage({ seed: 14, holder: { birthDate: '2012-05-01' } })) },
        { dataChecks: { minimumAge: 18 } },
      ),
    );
    assert.equal(young.label('dataChecks'), 'REJECTED UNDERAGE');
  });

  it('rejects a front and a back of two different cards, a passport where a licence was chosen, and a repeated front', async () => {
    const front = photographed(await idCardFront({ seed: 15 }));
    const other = specimenHolder(16);
    const mixed = await verify(
      execution('ID_CARD', specimenHolder(15).issuingState, {
        front,
        back: photographed(
          await idCardBack({
            seed: 16,
            kind: 'td1',
            holder: { issuingState: specimenHolder(15).issuingState, nationality: other.nationality },
          }),
        ),
      }),
    );
    assert.equal(mixed.label('dataChecks'), 'REJECTED MISMATCH_FRONT_BACK');

    const passport = photographed(await passportPage({ seed: 17 }));
    const wrongType = await verify(execution('DRIVING_LICENSE', 'DEU', { front: passport, back: passport }));
    assert.equal(wrongType.label('imageChecks'), 'REJECTED MISSING_BACK', 'the same picture twice');
    const wrongTypeOnly = await verify(
      execution('DRIVING_LICENSE', 'DEU', {
        front: passport,
        back: photographed(await idCardBack({ seed: 17 })),
      }),
    );
    assert.equal(wrongTypeOnly.label('imageChecks'), 'REJECTED DOCUMENT_TYPE_MISMATCH');
  });

  it('recognises pages uploaded the wrong way round instead of calling the card portrait-less', async () => {
    const holder = specimenHolder(18);
    const front = photographed(await idCardFront({ seed: 18 }), 5);
    const back = photographed(await idCardBack({ seed: 18, kind: 'td1' }), 6, -3);
    const swapped = await verify(execution('ID_CARD', holder.issuingState, { front: back, back: front }));
    assert.equal(swapped.label('imageChecks'), 'PASSED OK');
    assert.equal((swapped.of('imageChecks').data as { sidesSwapped?: boolean }).sidesSwapped, true);
    assert.equal(
      swapped.label('dataChecks'),
      'PASSED OK',
      'the printed fields of the portrait side still agree with the MRZ',
    );
    const backOnly = await verify(execution('ID_CARD', holder.issuingState, { front: back, back }));
    assert.equal(backOnly.label('imageChecks'), 'REJECTED MISSING_BACK');
  });

  it('reports a PDF page as not analysed, never as passed', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const { label } = await verify(
      execution('PASSPORT', 'SWE', { front: pdf, frontMime: 'application/pdf' }),
    );
    assert.equal(label('imageChecks'), 'NOT_EXECUTED UNSUPPORTED_FORMAT');
    assert.equal(label('extraction'), 'NOT_EXECUTED UNSUPPORTED_FORMAT');
    assert.equal(label('dataChecks'), 'NOT_EXECUTED NOT_ENOUGH_DATA');
  });
});
