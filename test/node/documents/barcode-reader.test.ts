import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseAamva } from '../../../src/server/documents/aamva.js';
import { readPdf417 } from '../../../src/server/documents/barcode-reader.js';
import {
  aamvaPayload,
  type Holder,
  idCardBack,
  idCardFront,
  renderScene,
  specimenHolder,
} from '../../support/specimens/index.js';

describe('readPdf417', () => {
  const realFetch = globalThis.fetch;
  const fetched: string[] = [];
  before(() => {
    // The wasm must come from node_modules, never from a network.
    globalThis.fetch = async (input: string | URL | Request) => {
      fetched.push(String(input));
      throw new Error('network disabled in tests');
    };
  });
  after(() => {
    globalThis.fetch = realFetch;
  });

  it("decodes a generated licence back to exactly its AAMVA payload, which parses to the holder's fields", async () => {
    const holder: Holder = { ...specimenHolder(9), issuingState: 'USA', nationality: 'USA' };
    const payload = aamvaPayload(holder, { version: 3, jurisdiction: 'WI' });
    const r = await readPdf417(await idCardBack({ seed: 9, holder, kind: 'us-dl', barcodePayload: payload }));
    assert.equal(r.status, 'READ');
    assert.equal(r.text, payload);
    const parsed = parseAamva(r.text!);
    assert.equal(parsed.ok, true);
    assert.equal(parsed.fields.dateOfBirth, holder.birthDate);
    assert.equal(parsed.fields.documentNumber, holder.documentNumber);
    assert.deepEqual(fetched, []);
  });

  it('reads a photographed back held 5° off level (zxing alone stops at 2–3°)', async () => {
    const back = await idCardBack({ seed: 10, kind: 'us-dl' });
    const { image } = renderScene(back, { width: 1600, height: 1200, scale: 0.8, rotationDeg: 5, seed: 3 });
    const r = await readPdf417(image);
    assert.equal(r.status, 'READ');
    assert.notEqual(r.rotation, 0);
    assert.equal(r.text, aamvaPayload({ ...specimenHolder(10), issuingState: 'USA', nationality: 'USA' }));
  });

  it('finds nothing on a card front, and gives up at its time bound', async () => {
    const front = await idCardFront({ seed: 2 });
    const r = await readPdf417(front);
    assert.equal(r.status, 'NOT_FOUND');
    assert.equal(r.text, undefined);
    const empty = await readPdf417({ data: new Uint8ClampedArray(0), width: 0, height: 0 });
    assert.equal(empty.status, 'NOT_FOUND');
    const bounded = await readPdf417(front, { timeoutMs: 1 });
    assert.equal(bounded.status, 'NOT_FOUND');
    assert.equal(bounded.error, 'BARCODE_TIMEOUT');
  });
});
