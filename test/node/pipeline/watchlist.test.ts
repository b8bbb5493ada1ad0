/**
 * The watchlistScreening capability on a real list file through the real screener: the holder's name as read from
 * the document (the readers here are stand-ins that report a read MRZ, to isolate the screening from OCR).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DocumentReaders } from '../../../src/server/documents/document-analysis.js';
import { sanctionsScreener } from '../../../src/server/documents/readers.js';
import { type ExecutionInput, watchlistCapability } from '../../../src/server/pipeline/index.js';
import { makeJpeg } from '../../support/server.js';

function readersReading(lastName: string, firstName: string, dateOfBirth: string): DocumentReaders {
  return {
    readMrz: async () => ({
      status: 'READ',
      rotation: 0,
      report: { format: 'TD3', lines: [], valid: true, checks: {} },
      fields: { type: 'PASSPORT', lastName, firstName, dateOfBirth, issuingCountry: 'DEU' },
    }),
    readBarcode: async () => ({ status: 'NOT_FOUND' }),
    readPrinted: async () => undefined,
    findFaces: async () => [],
  };
}

async function execution(definitionKey: 10011 | 10013): Promise<ExecutionInput> {
  const page = await makeJpeg(900, 640, 5);
  return {
    executionId: 'wf-screen',
    definitionKey,
    documentType: 'PASSPORT',
    country: 'DEU',
    credentials: [{ id: 'id-1', category: 'ID', requiredClassifiers: ['FRONT'] }],
    parts: [
      {
        credentialId: 'id-1',
        credentialCategory: 'ID',
        classifier: 'FRONT',
        mime: 'image/jpeg',
        width: 900,
        height: 640,
        read: async () => page,
      },
    ],
  };
}

describe('watchlistScreening capability', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idv-watchlist-'));
    const nulls = Array(6).fill('-0- ').join(',');
    await writeFile(
      join(dir, 'sdn.csv'),
      `7001,"MÜLLER, Jürgen Karl",individual,SDGT,-0- ,${nulls},"DOB 03 Mar 1971."\r\n` +
        `7002,"PETROV, Ivan",individual,SDGT,-0- ,${nulls},-0- \r\n`,
    );
    await writeFile(join(dir, 'broken.csv'), '');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const run = async (readers: DocumentReaders, path: string | undefined, key: 10011 | 10013 = 10013) =>
    (await watchlistCapability(readers, sanctionsScreener(path)).run(await execution(key))).map(
      (r) => `${r.decision.type} ${r.decision.details.label}`,
    );

  it('raises an alert for a listed holder, transliteration and all, and passes an unlisted one', async () => {
    const listed = readersReading('MUELLER', 'JUERGEN KARL', '1971-03-03');
    assert.deepEqual(await run(listed, join(dir, 'sdn.csv')), ['WARNING ALERT']);
    const unlisted = readersReading('ERIKSSON', 'ANNA', '1990-01-01');
    assert.deepEqual(await run(unlisted, join(dir, 'sdn.csv')), ['PASSED OK']);
    const namesake = readersReading('MUELLER', 'JUERGEN KARL', '1990-01-01');
    assert.deepEqual(
      await run(namesake, join(dir, 'sdn.csv')),
      ['PASSED OK'],
      'another birth date: another person',
    );
  });

  it('never passes without a list, says when the list cannot be read, and is not part of 10011', async () => {
    const reader = readersReading('PETROV', 'IVAN', '1980-01-01');
    assert.deepEqual(await run(reader, undefined), ['NOT_EXECUTED NO_LIST_CONFIGURED']);
    assert.deepEqual(await run(reader, join(dir, 'broken.csv')), ['NOT_EXECUTED LIST_UNREADABLE']);
    assert.deepEqual(await run(reader, join(dir, 'missing.csv')), ['NOT_EXECUTED LIST_UNREADABLE']);
    assert.deepEqual(await run(reader, join(dir, 'sdn.csv'), 10011), []);
  });
});
