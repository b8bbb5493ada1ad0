import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  birthDateFromMrz,
  expiryDateFromMrz,
  foldName,
  isIsoDate,
  nameSimilarity,
} from '../../../src/server/documents/normalize.js';

describe('name normalization', () => {
  it('folds names the ICAO way, both forms', () => {
    assert.equal(foldName('Müller-Lüdenscheidt'), 'MUELLER LUEDENSCHEIDT');
    assert.equal(foldName('Müller-Lüdenscheidt', false), 'MULLER LUDENSCHEIDT');
    assert.equal(foldName('Søren Østergård'), 'SOEREN OESTERGAARD');
    assert.equal(foldName('Straße'), 'STRASSE');
    assert.equal(foldName("O'Brien"), 'OBRIEN');
    assert.equal(foldName('Žaneta Čapková'), 'ZANETA CAPKOVA');
    assert.equal(foldName('Владимир'), 'VLADIMIR');
  });

  it('compares names across orders, forms, joins and MRZ truncation', () => {
    assert.equal(nameSimilarity('MUELLER JUERGEN', 'Jürgen Müller'), 1);
    assert.equal(nameSimilarity('MULLER JURGEN', 'Jürgen Müller'), 1);
    assert.equal(nameSimilarity('VANDERBERG', 'van der Berg'), 1);
    // A TD1 name field cut at 30 characters.
    assert.ok(nameSimilarity('CACADOR DE ARAUJO ANDRE ESTEV', 'Andre Estevao Cacador de Araujo') >= 0.95);
    assert.ok(nameSimilarity('ERIKSSON ANNA', 'Eriksson Anne') > 0.85);
    assert.ok(nameSimilarity('ERIKSSON ANNA', 'Petrova Elena') < 0.5);
  });
});

describe('MRZ dates', () => {
  const today = new Date('2026-12-05T00:00:00Z');
  it('puts a birth date in the latest century that is not in the future', () => {
    assert.equal(birthDateFromMrz('740812', today), '1974-08-12');
    assert.equal(birthDateFromMrz('150101', today), '2015-01-01');
    assert.equal(birthDateFromMrz('261206', today), '1926-12-06');
    assert.equal(birthDateFromMrz('741312', today), null);
  });

  it('puts an expiry date within 80 years before and 20 after today', () => {
    assert.equal(expiryDateFromMrz('300101', today), '2030-01-01');
    assert.equal(expiryDateFromMrz('460101', today), '2046-01-01');
    assert.equal(expiryDateFromMrz('470101', today), '1947-01-01');
    assert.equal(expiryDateFromMrz('120415', today), '2012-04-15');
    assert.equal(expiryDateFromMrz('120431', today), null);
  });

  it('knows real calendar dates', () => {
    assert.equal(isIsoDate('2024-02-29'), true);
    assert.equal(isIsoDate('2023-02-29'), false);
  });
});
