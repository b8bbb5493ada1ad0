/**
 * The shared queue core under several processes: leases renewed while a handler runs and taken over after a node
 * dies, claims handed back on shutdown, per-kind retry schedules, and one webhook message per event.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { ManualClock, systemClock } from '../../../src/server/clock.js';
import {
  JobQueue,
  queueMigrations,
  type QueueTables,
  RetryJobLater,
  WebhookOutbox,
  webhookIdOf,
} from '../../../src/server/queue/index.js';
import { migrateTestDatabase, type TestDatabaseHandle, testDatabases } from '../../support/databases.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

for (const target of testDatabases()) {
  describe(`queue core on ${target.name}`, () => {
    let handle: TestDatabaseHandle;
    let db: Kysely<QueueTables>;
    before(async () => {
      handle = await target.open();
      await migrateTestDatabase(handle.db, queueMigrations);
      db = handle.db as Kysely<QueueTables>;
    });
    after(() => handle.close());
    beforeEach(async () => {
      await db.deleteFrom('jobs').execute();
      await db.deleteFrom('webhook_deliveries').execute();
    });
    const job = (id: string) =>
      db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('renews the lease while a long handler runs, so no other node takes the job over', async () => {
      // Real time: the heartbeat is a timer. A 300 ms lease, a handler that runs 1.2 s (four leases).
      const a = new JobQueue({ db, clock: systemClock, lockMs: 300, nodeId: 'a' });
      const b = new JobQueue({ db, clock: systemClock, lockMs: 300, nodeId: 'b' });
      const id = await a.enqueue('long', {});
      const runs: string[] = [];
      const release = deferred();
      const running = a.runDue({
        long: async () => {
          runs.push('a');
          await release.promise;
        },
      });
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 150));
        await b.runDue({ long: async () => void runs.push('b') });
      }
      release.resolve();
      await running;
      assert.deepEqual(runs, ['a']);
      assert.equal((await job(id)).status, 'done');
    });

    it('hands a dead node’s job to another node once the lease has run out', async () => {
      const clock = new ManualClock();
      const dead = new JobQueue({ db, clock, lockMs: 5_000, nodeId: 'dead' });
      const alive = new JobQueue({ db, clock, lockMs: 5_000, nodeId: 'alive' });
      const id = await dead.enqueue('process', { n: 1 });
      // The dead node claimed it (a crash before the handler finished leaves exactly this row).
      const stuck = deferred();
      void dead.runDue({ process: () => stuck.promise });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await job(id)).status, 'running');
      const seen: unknown[] = [];
      assert.equal(await alive.runDue({ process: async (p: unknown) => void seen.push(p) }), 0, 'leased');
      clock.advance(5_001);
      assert.equal(await alive.runDue({ process: async (p: unknown) => void seen.push(p) }), 1);
      assert.deepEqual(seen, [{ n: 1 }]);
      const row = await job(id);
      assert.deepEqual([row.status, row.attempts], ['done', 2]);
      stuck.resolve();
    });

    it('stop() waits for the handler in flight up to the timeout, then hands the claim back', async () => {
      const clock = new ManualClock();
      const leaving = new JobQueue({ db, clock, nodeId: 'leaving' });
      const id = await leaving.enqueue('slow', {});
      const started = deferred();
      const never = deferred();
      leaving.start(
        {
          slow: async () => {
            started.resolve();
            await never.promise;
          },
        },
        { pollMs: 10 },
      );
      await started.promise;
      await leaving.stop({ timeoutMs: 100 });
      const row = await job(id);
      assert.deepEqual([row.status, row.attempts, row.locked_by], ['pending', 0, null]);
      const other = new JobQueue({ db, clock, nodeId: 'other' });
      let ran = 0;
      assert.equal(await other.runDue({ slow: async () => void ran++ }), 1);
      assert.equal(ran, 1);
      never.resolve();
    });

    it('a handler schedules its own retry with RetryJobLater; the kind caps attempts', async () => {
      const clock = new ManualClock();
      const queue = new JobQueue({
        db,
        clock,
        onError: () => assert.fail('a scheduled retry is not an error'),
      });
      const id = await queue.enqueue('hook', {});
      const kind = {
        maxAttempts: 2,
        run: async () => {
          throw new RetryJobLater('HTTP_503', new Date(clock.now().getTime() + 7_000));
        },
      };
      assert.equal(await queue.runDue({ hook: kind }), 1);
      clock.advance(6_999);
      assert.equal(await queue.runDue({ hook: kind }), 0);
      clock.advance(1);
      assert.equal(await queue.runDue({ hook: kind }), 1);
      const row = await job(id);
      assert.deepEqual([row.status, row.attempts], ['failed', 2]);
      assert.match(row.last_error ?? '', /^HTTP_503: /);
    });

    it('claims each job once when three nodes poll concurrently, never more at once than asked', async () => {
      const clock = new ManualClock();
      const nodes = ['n1', 'n2', 'n3'].map((nodeId) => new JobQueue({ db, clock, nodeId }));
      for (let n = 0; n < 60; n++) await nodes[0]!.enqueue('work', { n });
      const seen: number[] = [];
      const counts = await Promise.all(
        nodes.map((node, i) => {
          // Node i runs i + 1 jobs at a time; each handler yields so that claims interleave.
          let active = 0;
          let peak = 0;
          const handlers = {
            work: async (p: { n: number }) => {
              active += 1;
              peak = Math.max(peak, active);
              await new Promise((resolve) => setTimeout(resolve, 2));
              seen.push(p.n);
              active -= 1;
            },
          };
          return node.runDue(handlers, { concurrency: i + 1 }).then((ran) => {
            assert.ok(peak <= i + 1, `node ${i + 1} ran ${peak} at once`);
            return ran;
          });
        }),
      );
      assert.equal(
        counts.reduce((x, y) => x + y, 0),
        60,
      );
      assert.deepEqual(
        seen.sort((x, y) => x - y),
        [...Array(60).keys()],
      );
    });

    it('one event is one message with one webhook-id, however often it is enqueued', async () => {
      const clock = new ManualClock();
      const outbox = new WebhookOutbox({ db, clock, secretFor: async () => undefined });
      const first = await outbox.enqueue({
        clientId: 'c1',
        url: 'https://x.example/cb',
        payload: { a: 1 },
        eventKey: 'wf_1:PROCESSED',
      });
      const again = await outbox.enqueue({
        clientId: 'c1',
        url: 'https://x.example/cb',
        payload: { a: 2 },
        eventKey: 'wf_1:PROCESSED',
      });
      const other = await outbox.enqueue({
        clientId: 'c1',
        url: 'https://x.example/cb',
        payload: { a: 3 },
        eventKey: 'wf_1:SESSION_EXPIRED',
      });
      assert.equal(again, first);
      assert.notEqual(other, first);
      const rows = await db
        .selectFrom('webhook_deliveries')
        .select(['id', 'msg_id', 'body'])
        .orderBy('created_at')
        .execute();
      assert.equal(rows.length, 2);
      assert.equal(rows.find((r) => r.id === first)?.msg_id, webhookIdOf('c1', 'wf_1:PROCESSED'));
      assert.equal(rows.find((r) => r.id === first)?.body, JSON.stringify({ a: 1 }));
      const jobs = await db.selectFrom('jobs').select('kind').execute();
      assert.deepEqual(
        jobs.map((j) => j.kind),
        ['webhook-delivery', 'webhook-delivery'],
      );
    });
  });
}
