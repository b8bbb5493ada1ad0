import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  birthDatesFromRemarks,
  loadSanctionsList,
  type SanctionsList,
  SanctionsListError,
  screenName,
} from '../../../src/server/documents/sanctions.js';
import { SeededRandom } from '../../support/specimens/index.js';

/** A small list in the SDN CSV layout: no header, `-0-` nulls, quoted names with commas, DOBs in remarks. */
function sdnCsv(): string {
  // Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner.
  const nulls = Array(6).fill('-0- ').join(',');
  const rows = [
    `1001,"MÜLLER, Jürgen Karl",individual,SDGT,-0- ,${nulls},"DOB 03 Mar 1971; alt. DOB 1972; nationality Germany."`,
    `1002,"AL-RASHID, Ahmed Yusuf",individual,SDGT,"Commander",${nulls},"DOB circa 1965; POB Baghdad, Iraq."`,
    `1003,"ØSTERGAARD, Søren",individual,RUSSIA-EO14024,-0- ,${nulls},"DOB 1958 to 1962."`,
    `1004,"ACME ""GLOBAL"" TRADING, LLC",-0- ,SDGT,-0- ,${nulls},-0- `,
  ];
  // Bulk: invented names, so that a match has to be found among many.
  const rng = new SeededRandom(7);
  const syllables = ['KA', 'RO', 'MIN', 'TE', 'LU', 'SAN', 'VO', 'BEK', 'DRA', 'NI'];
  const word = () => Array.from({ length: rng.int(2, 3) }, () => rng.pick(syllables)).join('');
  for (let i = 0; i < 400; i++) {
    rows.push(
      `${2000 + i},"${word()}, ${word()}",individual,SDGT,-0- ,${nulls},"DOB ${rng.int(1, 28)} Jan ${rng.int(1940, 2000)}."`,
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}

describe('sanctions screening', () => {
  let dir: string;
  let list: SanctionsList;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idv-sdn-'));
    await writeFile(join(dir, 'sdn.csv'), sdnCsv());
    await writeFile(
      join(dir, 'alt.csv'),
      `1002,1,"aka","AL RASHEED, Ahmad",-0- \r\n1001,2,"aka","MILLER, George",-0- \r\n`,
    );
    list = await loadSanctionsList(join(dir, 'sdn.csv'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('parses the SDN layout: quoted commas and quotes, nulls, aliases, dates of birth', () => {
    assert.equal(list.entries.length, 404);
    const acme = list.entries.find((e) => e.uid === '1004')!;
    assert.equal(acme.name, 'ACME "GLOBAL" TRADING, LLC');
    assert.equal(acme.type, 'entity');
    const mueller = list.entries.find((e) => e.uid === '1001')!;
    assert.deepEqual(mueller.names, ['MÜLLER, Jürgen Karl', 'MILLER, George']);
    assert.deepEqual(mueller.birthDates, [
      { yearFrom: 1971, yearTo: 1971, month: 3, day: 3 },
      { yearFrom: 1972, yearTo: 1972 },
    ]);
    assert.deepEqual(birthDatesFromRemarks('DOB circa 1965; POB x'), [{ yearFrom: 1964, yearTo: 1966 }]);
  });

  it('matches across transliteration, diacritics and word order', () => {
    for (const subject of [
      { firstName: 'Juergen', lastName: 'Mueller' },
      { firstName: 'Jurgen', lastName: 'Muller' },
      { firstName: 'MUELLER', lastName: 'JUERGEN' },
      { firstName: 'Soren', lastName: 'Ostergaard' },
      { firstName: 'Søren', lastName: 'Østergaard' },
    ]) {
      const { matches } = screenName(list, subject);
      assert.equal(matches.length, 1, JSON.stringify(subject));
      assert.ok(['1001', '1003'].includes(matches[0]!.uid));
      assert.ok(matches[0]!.score >= 0.95, JSON.stringify(matches[0]));
    }
  });

  it('matches a misspelling within the tolerance, an alias, and not a different person', () => {
    assert.equal(screenName(list, { firstName: 'Ahmed', lastName: 'Al-Rashed' }).matches[0]?.uid, '1002');
    assert.equal(
      screenName(list, { firstName: 'Ahmad', lastName: 'Al Rasheed' }).matches[0]?.name,
      'AL RASHEED, Ahmad',
    );
    assert.deepEqual(screenName(list, { firstName: 'Anna', lastName: 'Svensson' }).matches, []);
    // Tolerance 0 asks for the exact name.
    assert.deepEqual(
      screenName(list, { firstName: 'Ahmed', lastName: 'Al-Rashed' }, { tolerance: 0 }).matches,
      [],
    );
  });

  it('uses the date of birth: a contradicting one removes the match, an agreeing one is reported', () => {
    const agree = screenName(list, { firstName: 'Jürgen', lastName: 'Müller', dateOfBirth: '1971-03-03' });
    assert.equal(agree.matches[0]?.dateOfBirthMatch, true);
    const range = screenName(list, { firstName: 'Søren', lastName: 'Østergaard', dateOfBirth: '1960-07-01' });
    assert.equal(range.matches[0]?.dateOfBirthMatch, true);
    assert.deepEqual(
      screenName(list, { firstName: 'Jürgen', lastName: 'Müller', dateOfBirth: '1985-01-01' }).matches,
      [],
    );
  });

  it('screens entities only when asked', () => {
    assert.deepEqual(screenName(list, { firstName: 'Acme Global', lastName: 'Trading LLC' }).matches, []);
    const all = screenName(list, { firstName: 'Acme Global', lastName: 'Trading LLC' }, { allTypes: true });
    assert.equal(all.matches[0]?.uid, '1004');
  });

  it('refuses an unreadable or empty list with its own code', async () => {
    await assert.rejects(loadSanctionsList(join(dir, 'missing.csv')), (err: unknown) => {
      return err instanceof SanctionsListError && err.code === 'SANCTIONS_LIST_UNREADABLE';
    });
    await writeFile(join(dir, 'empty.csv'), 'not,an,sdn,list\n');
    await assert.rejects(loadSanctionsList(join(dir, 'empty.csv')), (err: unknown) => {
      return err instanceof SanctionsListError && err.code === 'SANCTIONS_LIST_EMPTY';
    });
  });
});
