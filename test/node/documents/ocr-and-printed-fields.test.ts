import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closeOcr, OcrError, recognizeText } from '../../../src/server/documents/ocr.js';
import { toGrey } from '../../../src/server/documents/text-lines.js';
import { readPrintedFields } from '../../../src/server/documents/viz-reader.js';
import { idCardFront, passportPage, specimenHolder } from '../../support/specimens/index.js';

after(closeOcr);

describe('OCR worker', () => {
  it('bounds every call in time: a call past its bound fails with OCR_TIMEOUT, the next one in line still runs', async () => {
    const page = toGrey(await passportPage({ seed: 1 }));
    const late = recognizeText(page, { timeoutMs: 1 });
    const next = recognizeText(page, { timeoutMs: 20_000 });
    await assert.rejects(late, (err: unknown) => err instanceof OcrError && err.code === 'OCR_TIMEOUT');
    const { lines } = await next;
    assert.ok(lines.some((l) => l.text.includes('PASSPORT')));
  });
});

describe('readPrintedFields', () => {
  it('reads the labelled fields of a generated card front, marked LOW confidence', async () => {
    const h = specimenHolder(2);
    const r = await readPrintedFields(await idCardFront({ seed: 2 }), { kind: 'id1' });
    assert.equal(r.confidence, 'LOW');
    assert.deepEqual(r.fields, {
      lastName: h.surname,
      firstName: h.givenNames,
      sex: h.sex,
      nationality: h.nationality,
      dateOfBirth: h.birthDate,
      documentNumber: h.documentNumber,
      expiryDate: h.expiryDate,
    });
  });
});
