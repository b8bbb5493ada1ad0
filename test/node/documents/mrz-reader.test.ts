/**
 * The MRZ reader on generated specimens (real OCR: tesseract on the rendered pixels). Few cases, each ≈ 0.3–1 s:
 * bulk accuracy and the real specimens are in `npm run bench -- extraction`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closeDocumentReaders, readMrz } from '../../../src/server/documents/index.js';
import {
  breakCheckDigit,
  frenchIdMrz,
  idCardBack,
  idCardFront,
  passportPage,
  type RgbaImage,
  renderScene,
  SeededRandom,
  specimenHolder,
  td1Mrz,
  td2Mrz,
  td3Mrz,
} from '../../support/specimens/index.js';

function rotated180(img: RgbaImage): RgbaImage {
  const out = new Uint8ClampedArray(img.data.length);
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) out.set(img.data.subarray(i * 4, i * 4 + 4), (n - 1 - i) * 4);
  return { data: out, width: img.width, height: img.height };
}

after(closeDocumentReaders);

describe('readMrz', () => {
  it('reads a passport data page (TD3) with every check digit and field', async () => {
    const h = specimenHolder(4);
    const r = await readMrz(await passportPage({ seed: 4 }));
    assert.equal(r.status, 'READ');
    assert.equal(r.format, 'TD3');
    assert.deepEqual(r.lines, td3Mrz(h));
    assert.equal(r.valid, true);
    assert.deepEqual(r.checks, {
      documentNumber: true,
      dateOfBirth: true,
      expiryDate: true,
      personalNumber: true,
      composite: true,
    });
    assert.equal(r.rotation, 0);
    assert.equal(r.fields?.lastName, h.surname.replace(/'/g, ''));
    assert.equal(r.fields?.firstName, h.givenNames);
    assert.equal(r.fields?.documentNumber, h.documentNumber);
    assert.equal(r.fields?.dateOfBirth, h.birthDate);
    assert.equal(r.fields?.expiryDate, h.expiryDate);
    assert.equal(r.fields?.sex, h.sex);
    assert.equal(r.fields?.nationality, h.nationality);
    assert.equal(r.fields?.documentCode, 'P');
  });

  it('reads a TD1 card back photographed on a desk, slightly rotated and blurred', async () => {
    const h = specimenHolder(6);
    const { image } = renderScene(await idCardBack({ seed: 6 }), {
      width: 1280,
      height: 960,
      scale: 0.8,
      rotationDeg: 2.5,
      blurSigma: 0.8,
      seed: 6,
    });
    const r = await readMrz(image);
    assert.equal(r.status, 'READ');
    assert.equal(r.format, 'TD1');
    assert.deepEqual(r.lines, td1Mrz(h));
    assert.equal(r.valid, true);
  });

  it('reads a TD2 zone and a French national identity card', async () => {
    const h = specimenHolder(8);
    const td2 = await readMrz(await idCardBack({ seed: 8, mrzLines: td2Mrz(h) }));
    assert.equal(td2.format, 'TD2');
    assert.deepEqual(td2.lines, td2Mrz(h));
    assert.equal(td2.valid, true);
    const french = frenchIdMrz(h);
    const fr = await readMrz(await idCardBack({ seed: 8, mrzLines: french }));
    assert.equal(fr.format, 'FRENCH_NATIONAL_ID');
    assert.deepEqual(fr.lines, french);
    assert.equal(fr.valid, true);
    assert.equal(fr.checks.expiryDate, null);
    assert.equal(fr.fields?.dateOfBirth, h.birthDate);
  });

  it('reads a passport upside down and says it turned it', async () => {
    const h = specimenHolder(5);
    const r = await readMrz(rotated180(await passportPage({ seed: 5 })));
    assert.equal(r.rotation, 180);
    assert.deepEqual(r.lines, td3Mrz(h));
    assert.equal(r.valid, true);
  });

  it('detects a broken check digit: read, not valid, and which check failed', async () => {
    const h = specimenHolder(4);
    const lines = breakCheckDigit(td3Mrz(h), 'dateOfBirth');
    const r = await readMrz(await passportPage({ seed: 4, mrzLines: lines }));
    assert.equal(r.status, 'READ');
    assert.deepEqual(r.lines, lines);
    assert.equal(r.valid, false);
    assert.equal(r.checks.dateOfBirth, false);
    assert.equal(r.checks.documentNumber, true);
    assert.equal(r.checks.expiryDate, true);
  });

  it('finds no MRZ on a card front or on noise', async () => {
    const front = await readMrz(await idCardFront({ seed: 3 }));
    assert.equal(front.status, 'NOT_FOUND');
    assert.equal(front.valid, false);
    const rng = new SeededRandom(12);
    const noise = new Uint8ClampedArray(900 * 600 * 4);
    for (let i = 0; i < noise.length; i++) noise[i] = i % 4 === 3 ? 255 : rng.int(0, 255);
    const r = await readMrz({ data: noise, width: 900, height: 600 });
    assert.equal(r.status, 'NOT_FOUND');
    const blank = await readMrz({
      data: new Uint8ClampedArray(400 * 300 * 4).fill(255),
      width: 400,
      height: 300,
    });
    assert.equal(blank.status, 'NOT_FOUND');
    const empty = await readMrz({ data: new Uint8ClampedArray(0), width: 0, height: 0 });
    assert.equal(empty.status, 'NOT_FOUND');
  });

  it('answers UNREADABLE with OCR_TIMEOUT when its time bound runs out, and reads again afterwards', async () => {
    const page = await passportPage({ seed: 2 });
    const late = await readMrz(page, { timeoutMs: 1 });
    assert.equal(late.status, 'UNREADABLE');
    assert.equal(late.error, 'OCR_TIMEOUT');
    assert.equal(late.valid, false);
    const again = await readMrz(page);
    assert.equal(again.valid, true);
  });
});
