import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAamva } from '../../../src/server/documents/aamva.js';
import {
  type AamvaOptions,
  aamvaPayload,
  type Holder,
  specimenHolder,
} from '../../support/specimens/index.js';

/** What the parser must return for a generated holder, whatever the layout. */
function assertHolderFields(
  text: string,
  h: Holder,
  expected: { jurisdiction: string; country: 'USA' | 'CAN' },
) {
  const r = parseAamva(text);
  assert.deepEqual(r.errors, []);
  assert.equal(r.ok, true);
  assert.equal(r.jurisdiction, expected.jurisdiction);
  const [first, ...middle] = h.givenNames.split(' ');
  // The generator writes names as AAMVA fronts print them: A–Z and spaces (O'BRIEN → O BRIEN).
  assert.equal(r.fields.lastName, h.surname.replace(/[^A-Z]+/g, ' ').trim());
  assert.equal(r.fields.firstName, first);
  assert.equal(r.fields.middleName, middle.join(' ') || undefined);
  assert.equal(r.fields.dateOfBirth, h.birthDate);
  assert.equal(r.fields.expiryDate, h.expiryDate);
  assert.equal(r.fields.documentNumber, h.documentNumber);
  assert.equal(r.fields.gender, h.sex);
  assert.equal(r.fields.issuingCountry, expected.country);
  assert.equal(r.fields.address?.subdivision, expected.jurisdiction);
  assert.equal(r.fields.address?.country, expected.country);
  return r;
}

describe('parseAamva', () => {
  const layouts: Array<[string, AamvaOptions, { jurisdiction: string; country: 'USA' | 'CAN' }]> = [
    ['version 10, Texas', { jurisdiction: 'TX' }, { jurisdiction: 'TX', country: 'USA' }],
    [
      'version 8, Ontario (CCYYMMDD dates)',
      { version: 8, jurisdiction: 'ON' },
      { jurisdiction: 'ON', country: 'CAN' },
    ],
    [
      'version 3 (DCT given names), Wisconsin',
      { version: 3, jurisdiction: 'WI' },
      { jurisdiction: 'WI', country: 'USA' },
    ],
    [
      'version 1 (AAMVA header, DAA full name)',
      { version: 1, jurisdiction: 'MD' },
      { jurisdiction: 'MD', country: 'USA' },
    ],
  ];
  for (const [name, options, expected] of layouts) {
    for (const stripSeparators of [false, true]) {
      it(`${name}${stripSeparators ? ', separators stripped' : ''}`, () => {
        for (const seed of [2, 5, 11]) {
          const h = specimenHolder(seed);
          const r = assertHolderFields(
            aamvaPayload(h, { ...options, stripSeparators, jurisdictionSubfile: true }),
            h,
            expected,
          );
          assert.equal(r.version, options.version ?? 10);
          // The jurisdiction subfile is read apart from the DL subfile.
          const z = `Z${expected.jurisdiction[0]}`;
          assert.equal(r.jurisdictionElements[`${z}B`], 'SPECIMEN');
          assert.equal(r.elements[`${z}B`], undefined);
        }
      });
    }
  }

  it('reads US dates month first and Canadian dates year first', () => {
    const h = { ...specimenHolder(3), birthDate: '1980-03-04', expiryDate: '2031-11-12' };
    const us = aamvaPayload(h, { jurisdiction: 'FL' });
    const ca = aamvaPayload(h, { jurisdiction: 'BC', version: 9 });
    assert.match(us, /DBB03041980/);
    assert.match(ca, /DBB19800304/);
    for (const text of [us, ca]) {
      assert.equal(parseAamva(text).fields.dateOfBirth, '1980-03-04');
      assert.equal(parseAamva(text).fields.expiryDate, '2031-11-12');
    }
  });

  it('keeps a name that contains an element ID whole when the separators are stripped', () => {
    // DACOSTA holds DAC (first name), ADAGIO holds DAG (street): a cut there would leave a value that does not fit.
    const h = { ...specimenHolder(4), surname: 'DACOSTA', givenNames: 'ADAGIO DAYNA' };
    for (const version of [1, 3, 10]) {
      const r = parseAamva(aamvaPayload(h, { version, stripSeparators: true, jurisdiction: 'NY' }));
      assert.equal(r.fields.lastName, 'DACOSTA', `version ${version}`);
      assert.equal(r.fields.firstName, 'ADAGIO', `version ${version}`);
      assert.equal(r.fields.middleName, 'DAYNA', `version ${version}`);
      assert.equal(r.fields.dateOfBirth, h.birthDate);
    }
  });

  it('tells an ID card from a driving licence', () => {
    const r = parseAamva(aamvaPayload(specimenHolder(6), { documentType: 'ID', stripSeparators: true }));
    assert.equal(r.documentType, 'ID');
    assert.equal(r.ok, true);
  });

  it('reports what is missing or malformed instead of throwing', () => {
    assert.deepEqual(parseAamva('').errors, ['NO_HEADER']);
    assert.deepEqual(parseAamva('https://example.com/not-a-licence').errors, ['NO_HEADER']);
    const h = specimenHolder(7);
    const badDate = aamvaPayload(h).replace(/DBA\d{8}/, 'DBA13452031');
    const r = parseAamva(badDate);
    assert.equal(r.ok, false);
    assert.ok(r.errors.includes('INVALID_DATE:DBA'));
    assert.equal(r.fields.dateOfBirth, h.birthDate);
    const noNumber = parseAamva(aamvaPayload(h).replace(/DAQ[^\n]*\n/, ''));
    assert.ok(noNumber.errors.includes('MISSING:DAQ'));
  });
});
