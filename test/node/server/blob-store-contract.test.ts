/**
 * One contract, two stores: the filesystem store and the S3 store (against a real S3-protocol server, s3rver) must
 * behave the same for everything the server relies on — round trips, overwrite, missing keys, deletion of one key
 * and of a whole execution, key safety, crash leftovers, readiness.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BlobStore } from '../../../src/server/blobs/blob-store.js';
import { FileSystemBlobStore } from '../../../src/server/blobs/fs-blob-store.js';
import { S3BlobStore } from '../../../src/server/blobs/s3-blob-store.js';
import { startS3Server, type TestS3Server } from '../../support/s3-server.js';

interface StoreUnderTest {
  store: BlobStore;
  /** Leaves what a write that died half-way leaves behind for `key`, written `ageMs` ago. */
  leaveHalfWrite(key: string, ageMs: number): Promise<void>;
  /** The same store pointed at something unreachable. */
  unreachable(): BlobStore;
  close(): Promise<void>;
}

async function fileSystemStore(): Promise<StoreUnderTest> {
  const root = mkdtempSync(join(tmpdir(), 'idv-blobs-'));
  return {
    store: new FileSystemBlobStore(root),
    async leaveHalfWrite(key, ageMs) {
      const path = `${join(root, ...key.split('/'))}.${randomBytes(6).toString('hex')}.tmp`;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, 'half');
      const when = new Date(Date.now() - ageMs);
      utimesSync(path, when, when);
    },
    unreachable() {
      // A regular file where the root directory should be: nothing can be written under it.
      const blocked = join(root, 'blocked');
      writeFileSync(blocked, 'x');
      return new FileSystemBlobStore(join(blocked, 'blobs'));
    },
    async close() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function s3Store(server: TestS3Server, keyPrefix: string): Promise<StoreUnderTest> {
  const store = new S3BlobStore(server.storeOptions({ keyPrefix }));
  return {
    store,
    async leaveHalfWrite(key, ageMs) {
      // s3rver stamps objects with its own clock; an "old" leftover is judged against a clock moved forward.
      await store.client.send(
        new PutObjectCommand({
          Bucket: server.storeOptions().bucket,
          Key: `${keyPrefix}tmp/${key}.${randomBytes(6).toString('hex')}`,
          Body: 'half',
        }),
      );
      s3Clock = ageMs;
    },
    unreachable() {
      // A port nothing listens on (the server's own port after a fresh server was closed is not reliable).
      return new S3BlobStore({
        ...server.storeOptions(),
        endpoint: 'http://127.0.0.1:9',
        requestTimeoutMs: 2_000,
      });
    },
    async close() {
      store.close();
    },
  };
}
let s3Clock = 0;

let s3: TestS3Server;
before(async () => {
  s3 = await startS3Server();
});
after(() => s3.close());

const stores: Array<[string, () => Promise<StoreUnderTest>]> = [
  ['filesystem', fileSystemStore],
  ['s3', () => s3Store(s3, `p${randomBytes(3).toString('hex')}/`)],
];

for (const [name, open] of stores) {
  describe(`blob store contract: ${name}`, () => {
    let t: StoreUnderTest;
    before(async () => {
      t = await open();
    });
    after(() => t.close());

    test('put then get returns the same bytes; a missing key is undefined', async () => {
      const bytes = randomBytes(300_000);
      await t.store.put('executions/e1/c1/FRONT', bytes);
      assert.deepEqual(await t.store.get('executions/e1/c1/FRONT'), bytes);
      assert.equal(await t.store.get('executions/e1/c1/BACK'), undefined);
      assert.equal(await t.store.get('executions/nope/c1/FRONT'), undefined);
    });

    test('a second put replaces the object whole', async () => {
      await t.store.put('executions/e2/c1/FRONT', Buffer.from('first version, longer'));
      await t.store.put('executions/e2/c1/FRONT', Buffer.from('second'));
      assert.equal((await t.store.get('executions/e2/c1/FRONT'))?.toString(), 'second');
    });

    test('a write leaves no temporary object behind', async () => {
      await t.store.put('executions/e3/c1/FRONT', randomBytes(1000));
      assert.equal(await t.store.sweepTemporary?.(0, Date.now() + 60_000), 0);
    });

    test('delete removes one key and is idempotent', async () => {
      await t.store.put('executions/e4/c1/FRONT', Buffer.from('a'));
      await t.store.put('executions/e4/c1/BACK', Buffer.from('b'));
      await t.store.delete('executions/e4/c1/FRONT');
      await t.store.delete('executions/e4/c1/FRONT');
      assert.equal(await t.store.get('executions/e4/c1/FRONT'), undefined);
      assert.equal((await t.store.get('executions/e4/c1/BACK'))?.toString(), 'b');
    });

    test('deletePrefix removes every object of an execution (and its leftovers), nothing of another', async () => {
      for (const key of ['c1/FRONT', 'c1/BACK', 'c2/SELFIE', 'liveness/l1/0', 'liveness/l1/1']) {
        await t.store.put(`executions/e5/${key}`, Buffer.from(key));
      }
      await t.store.put('executions/e55/c1/FRONT', Buffer.from('neighbour'));
      await t.leaveHalfWrite('executions/e5/c3/FRONT', 0);
      await t.store.deletePrefix('executions/e5/');
      for (const key of ['c1/FRONT', 'c1/BACK', 'c2/SELFIE', 'liveness/l1/0', 'liveness/l1/1']) {
        assert.equal(await t.store.get(`executions/e5/${key}`), undefined, key);
      }
      assert.equal(await t.store.sweepTemporary?.(0, Date.now() + 60_000), 0, 'leftover of e5 removed');
      assert.equal((await t.store.get('executions/e55/c1/FRONT'))?.toString(), 'neighbour');
      await t.store.deletePrefix('executions/never-written/');
    });

    test('keys that could escape the store are refused with INVALID_BLOB_KEY', async () => {
      for (const key of ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b', 'sp ace', '']) {
        await assert.rejects(t.store.put(key, Buffer.from('x')), { code: 'INVALID_BLOB_KEY' }, key);
        await assert.rejects(t.store.get(key), { code: 'INVALID_BLOB_KEY' }, key);
      }
      await assert.rejects(t.store.deletePrefix('../'), { code: 'INVALID_BLOB_KEY' });
    });

    test('the sweep removes old leftovers of dead writes, not fresh ones (a write in flight)', async () => {
      const now = Date.now();
      await t.leaveHalfWrite('executions/e6/c1/FRONT', 10 * 60_000);
      // For S3 the leftover's age comes from the server's clock: judge it as if 10 minutes had passed.
      const judgedAt = name === 's3' ? now + s3Clock : now;
      assert.equal(await t.store.sweepTemporary?.(20 * 60_000, judgedAt), 0, 'younger than the limit');
      assert.equal(await t.store.sweepTemporary?.(5 * 60_000, judgedAt), 1);
      assert.equal(await t.store.sweepTemporary?.(0, judgedAt + 60_000), 0);
      assert.equal(await t.store.get('executions/e6/c1/FRONT'), undefined, 'never became visible');
    });

    test('check passes on a working store and fails on an unreachable one', async () => {
      await t.store.check();
      const broken = t.unreachable();
      await assert.rejects(broken.check());
      broken.close?.();
    });
  });
}
