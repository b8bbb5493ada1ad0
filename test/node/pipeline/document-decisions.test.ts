/**
 * The decisions the document capabilities take on gathered evidence (imageChecks, extraction, dataChecks): pure
 * functions over `DocumentEvidence`, tested here case by case. The evidence gathering itself runs on real pixels in
 * test/node/documents/.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentNumbersAgree, namesAgree } from '../../../src/server/documents/compare.js';
import { documentExpectation, type SideAnalysis } from '../../../src/server/documents/document-analysis.js';
import { mergeReadings, type SourceReading } from '../../../src/server/documents/identity.js';
import { runDataChecks, verdict } from '../../../src/server/pipeline/data-checks.js';
import type { DocumentEvidence } from '../../../src/server/pipeline/document-evidence.js';
import { judgeExtraction } from '../../../src/server/pipeline/extraction.js';
import { judgeDocument } from '../../../src/server/pipeline/image-checks.js';

const HOLDER = {
  firstName: 'ANNA MARIA',
  lastName: 'ERIKSSON',
  dateOfBirth: '1990-04-12',
  expiryDate: '2031-06-30',
  documentNumber: 'LX1234567',
  issuingCountry: 'SWE',
  type: 'ID_CARD' as 'ID_CARD' | 'PASSPORT' | 'DRIVING_LICENSE' | 'VISA',
};

function side(classifier: 'FRONT' | 'BACK', overrides: Partial<SideAnalysis> = {}): SideAnalysis {
  return {
    classifier,
    decoded: true,
    width: 1600,
    height: 1200,
    blank: false,
    document: true,
    shape: 'ID1',
    rotation: 0,
    faces: classifier === 'FRONT' ? [{ box: { x: 80, y: 150, width: 200, height: 260 }, score: 0.9 }] : [],
    selfieLike: false,
    ms: 10,
    ...overrides,
  };
}

function mrzReading(fields = HOLDER, classifier: 'FRONT' | 'BACK' = 'BACK'): SourceReading {
  return { source: 'MRZ', classifier, confidence: 'HIGH', fields };
}

function evidence(
  type: string,
  country: string,
  overrides: Partial<DocumentEvidence> = {},
  readings: SourceReading[] = [mrzReading()],
): DocumentEvidence {
  const mrzSide = readings.find((r) => r.source === 'MRZ')?.classifier;
  return {
    credentialId: 'id-1',
    expectation: documentExpectation(type, country),
    missing: [],
    unsupported: [],
    front: side('FRONT', mrzSide === 'FRONT' ? { mrz: { status: 'READ', rotation: 0 } } : {}),
    back: side('BACK', mrzSide === 'BACK' ? { mrz: { status: 'READ', rotation: 0 } } : {}),
    backRepeatsFront: false,
    sidesSwapped: false,
    readings,
    merged: mergeReadings(readings),
    mrz: { format: 'TD1', lines: [], valid: true, checks: { documentNumber: true, composite: true } },
    ms: 100,
    ...overrides,
  };
}

describe('imageChecks decisions', () => {
  it('labels each way a page can fail to show a document', () => {
    const cases: Array<[string, Partial<DocumentEvidence>, string]> = [
      ['blank front', { front: side('FRONT', { blank: true, document: false }) }, 'BLANK_PAGE'],
      [
        'selfie as front',
        { front: side('FRONT', { document: false, selfieLike: true }) },
        'SELFIE_AS_DOCUMENT',
      ],
      ['noise', { front: side('FRONT', { document: false, faces: [] }) }, 'NO_DOCUMENT'],
      ['same picture twice', { backRepeatsFront: true }, 'MISSING_BACK'],
      ['back not uploaded', { back: undefined, missing: ['BACK'] }, 'MISSING_BACK'],
      ['blank back', { back: side('BACK', { blank: true, document: false }) }, 'BLANK_PAGE'],
      ['no portrait', { front: side('FRONT', { faces: [] }) }, 'NO_PORTRAIT'],
      [
        'pages the wrong way round',
        {
          front: side('FRONT', { faces: [] }),
          back: side('BACK', { faces: side('FRONT').faces }),
          sidesSwapped: true,
        },
        'OK',
      ],
      ['a PDF page', { unsupported: ['FRONT'] }, 'UNSUPPORTED_FORMAT'],
      ['bytes no longer decode', { back: side('BACK', { decoded: false }) }, 'UNREADABLE_IMAGE'],
      ['all well', {}, 'OK'],
    ];
    for (const [name, overrides, label] of cases) {
      assert.equal(judgeDocument(evidence('ID_CARD', 'SWE', overrides), 'ID_CARD')[1], label, name);
    }
    assert.equal(
      judgeDocument(evidence('ID_CARD', 'SWE', { unsupported: ['FRONT'] }), 'ID_CARD')[0],
      'NOT_EXECUTED',
    );
  });

  it('tells a passport page from a card by what was read, but not a licence from a state ID', () => {
    const passportRead = [mrzReading({ ...HOLDER, type: 'PASSPORT' }, 'FRONT')];
    assert.deepEqual(judgeDocument(evidence('DRIVING_LICENSE', 'SWE', {}, passportRead), 'DRIVING_LICENSE'), [
      'REJECTED',
      'DOCUMENT_TYPE_MISMATCH',
    ]);
    assert.deepEqual(judgeDocument(evidence('PASSPORT', 'SWE', {}, [mrzReading()]), 'PASSPORT'), [
      'REJECTED',
      'DOCUMENT_TYPE_MISMATCH',
    ]);
    const licence: SourceReading = {
      source: 'BARCODE',
      classifier: 'BACK',
      confidence: 'HIGH',
      fields: { ...HOLDER, type: 'DRIVING_LICENSE', issuingCountry: 'USA' },
    };
    assert.deepEqual(judgeDocument(evidence('ID_CARD', 'USA', {}, [licence]), 'ID_CARD'), ['PASSED', 'OK']);
  });
});

describe('extraction decisions', () => {
  it('rejects a passport without a readable MRZ and a US licence whose barcode was not decoded', () => {
    const noMrz = evidence(
      'PASSPORT',
      'SWE',
      { front: side('FRONT', { mrz: { status: 'NOT_FOUND', rotation: 0 } }), back: undefined },
      [],
    );
    assert.deepEqual(judgeExtraction(noMrz), ['REJECTED', 'MRZ_UNREADABLE']);
    const licence = evidence(
      'DRIVING_LICENSE',
      'USA',
      { back: side('BACK', { barcode: { status: 'NOT_FOUND' } }) },
      [],
    );
    assert.deepEqual(judgeExtraction(licence), ['REJECTED', 'BARCODE_UNREADABLE']);
    const garbled = evidence(
      'ID_CARD',
      'SWE',
      { back: side('BACK', { mrz: { status: 'UNREADABLE', rotation: 0 } }) },
      [],
    );
    assert.deepEqual(judgeExtraction(garbled), ['REJECTED', 'MRZ_UNREADABLE']);
  });

  it('warns when only printed fields were read, and never rejects for a reader fault', () => {
    const viz: SourceReading = {
      source: 'VIZ',
      classifier: 'FRONT',
      confidence: 'LOW',
      fields: { lastName: 'ROSSI' },
    };
    assert.deepEqual(judgeExtraction(evidence('DRIVING_LICENSE', 'ITA', {}, [viz])), [
      'WARNING',
      'LOW_CONFIDENCE',
    ]);
    assert.deepEqual(judgeExtraction(evidence('DRIVING_LICENSE', 'ITA', {}, [])), [
      'NOT_EXECUTED',
      'NO_DATA_EXTRACTED',
    ]);
    const timedOut = evidence(
      'PASSPORT',
      'SWE',
      { front: side('FRONT', { mrz: { status: 'FAILED', rotation: 0 } }), back: undefined },
      [],
    );
    assert.deepEqual(judgeExtraction(timedOut), ['NOT_EXECUTED', 'READER_FAILED']);
    assert.deepEqual(judgeExtraction(evidence('ID_CARD', 'SWE')), ['PASSED', 'OK']);
  });
});

describe('dataChecks decisions', () => {
  const on = new Date('2026-03-01T10:00:00Z');
  const ctx = { on, allowedTypes: null, allowedCountries: null };
  const judge = (e: DocumentEvidence, extra: Partial<Parameters<typeof runDataChecks>[1]> = {}) =>
    verdict(runDataChecks(e, { ...ctx, ...extra })).join(' ');

  it('passes a consistent, current document of an adult', () => {
    assert.equal(judge(evidence('ID_CARD', 'SWE'), { chosenCountry: 'SWE', minimumAge: 18 }), 'PASSED OK');
  });

  it('rejects check digits, expiry, impossible dates and age, each with its label', () => {
    const e = (fields: Partial<typeof HOLDER>, mrzValid = true) =>
      evidence(
        'ID_CARD',
        'SWE',
        {
          mrz: { format: 'TD1', lines: [], valid: mrzValid, checks: { documentNumber: mrzValid } },
        },
        [mrzReading({ ...HOLDER, ...fields })],
      );
    assert.equal(judge(e({}, false)), 'REJECTED MRZ_CHECKSUM');
    assert.equal(judge(e({ expiryDate: '2026-02-28' })), 'REJECTED EXPIRED');
    assert.equal(judge(e({ expiryDate: '2026-03-01' })), 'PASSED OK', 'valid through its expiry day');
    assert.equal(judge(e({ dateOfBirth: '2027-01-01' })), 'REJECTED INVALID_DATE');
    assert.equal(judge(e({ dateOfBirth: '2023-02-30' })), 'REJECTED INVALID_DATE');
    assert.equal(judge(e({ dateOfBirth: '2010-03-02' }), { minimumAge: 16 }), 'REJECTED UNDERAGE');
    assert.equal(judge(e({ dateOfBirth: '2010-03-01' }), { minimumAge: 16 }), 'PASSED OK', 'sixteen today');
    assert.equal(judge(e({ expiryDate: undefined as unknown as string })), 'WARNING NOT_ENOUGH_DATA');
  });

  it('rejects sources that disagree, tolerating transliteration, truncation and one OCR slip', () => {
    const barcode = (
      fields: Partial<typeof HOLDER>,
      classifier: 'FRONT' | 'BACK' = 'BACK',
    ): SourceReading => ({
      source: 'BARCODE',
      classifier,
      confidence: 'HIGH',
      fields: { ...HOLDER, ...fields },
    });
    const viz = (fields: Partial<typeof HOLDER>): SourceReading => ({
      source: 'VIZ',
      classifier: 'FRONT',
      confidence: 'LOW',
      fields: { ...HOLDER, ...fields },
    });
    const both = (...readings: SourceReading[]) => evidence('ID_CARD', 'SWE', {}, readings);
    assert.equal(
      judge(both(mrzReading(), barcode({ dateOfBirth: '1990-04-13' }))),
      'REJECTED MISMATCH_HRZ_MRZ_DATA',
    );
    assert.equal(judge(both(mrzReading(), viz({ lastName: 'ERIKSS0N' }))), 'PASSED OK');
    assert.equal(judge(both(mrzReading(), viz({ documentNumber: 'LX1234S67' }))), 'PASSED OK');
    const oneSlip = both(mrzReading(), viz({ dateOfBirth: '1990-04-18' }));
    assert.equal(
      judge(oneSlip),
      'PASSED OK',
      'one printed field misread is reported, not held against the user',
    );
    assert.deepEqual(runDataChecks(oneSlip, ctx).find((c) => c.name === 'sourcesAgree')?.unconfirmed, [
      'dateOfBirth',
    ]);
    assert.equal(
      judge(both(mrzReading(), viz({ lastName: 'OKONKWO', firstName: 'KWAME', dateOfBirth: '1971-01-09' }))),
      'REJECTED MISMATCH_FRONT_BACK',
    );
    // The MRZ spells Müller MUELLER and truncates long given names.
    assert.equal(
      judge(
        both(
          mrzReading({ ...HOLDER, lastName: 'MUELLER', firstName: 'ANNA MARI' }),
          barcode({ lastName: 'Müller' }),
        ),
      ),
      'PASSED OK',
    );
  });

  it('checks the country and type against the choice and the account, and the customer’s own data', () => {
    assert.equal(judge(evidence('ID_CARD', 'SWE'), { chosenCountry: 'NOR' }), 'REJECTED COUNTRY_MISMATCH');
    assert.equal(
      judge(evidence('ID_CARD', 'SWE'), { allowedCountries: ['NOR'] }),
      'REJECTED UNSUPPORTED_COUNTRY',
    );
    assert.equal(
      judge(evidence('ID_CARD', 'SWE'), { allowedTypes: ['PASSPORT'] }),
      'REJECTED UNSUPPORTED_DOCUMENT_TYPE',
    );
    const germany = evidence('ID_CARD', 'DEU', {}, [mrzReading({ ...HOLDER, issuingCountry: 'D' })]);
    assert.equal(judge(germany, { chosenCountry: 'DEU' }), 'PASSED OK', 'the MRZ writes Germany as D');
    assert.equal(
      judge(evidence('ID_CARD', 'SWE'), {
        prefill: { firstName: 'Anna', lastName: 'Eriksson', dateOfBirth: '1990-04-12' },
      }),
      'PASSED OK',
    );
    assert.equal(
      judge(evidence('ID_CARD', 'SWE'), { prefill: { lastName: 'Eriksson', dateOfBirth: '1991-04-12' } }),
      'REJECTED MISMATCH_PREFILLED_DATA',
    );
  });
});

describe('name and number comparison', () => {
  it('is transliteration, order and truncation aware, and strict where it must be', () => {
    assert.ok(namesAgree('Müller', 'MUELLER', 1));
    assert.ok(namesAgree('Müller', 'MULLER', 1));
    assert.ok(namesAgree('Ørsted', 'OERSTED', 1));
    assert.ok(namesAgree('GARCIA LOPEZ', 'García-López', 1));
    assert.ok(namesAgree('JOHN PAUL', 'JOHN', 1), 'a middle name left out');
    assert.ok(namesAgree('VAN DER BERG', 'BERG VAN DER', 1));
    assert.ok(namesAgree('ALEXANDRA KATHARI', 'ALEXANDRA KATHARINA', 0.85), 'MRZ truncation');
    assert.ok(!namesAgree('ERIKSSON', 'OKONKWO'));
    assert.ok(!namesAgree('ANNA', 'HANNAH', 0.85));
    assert.ok(documentNumbersAgree('X12-345', 'X12345', false));
    assert.ok(!documentNumbersAgree('X123456', 'X123457', false));
    assert.ok(documentNumbersAgree('X1234O6', 'X123406', true));
  });
});
