import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { ManualClock } from '../../../src/server/clock.js';
import { JobQueue, queueMigrations, type QueueTables } from '../../../src/server/queue/index.js';
import { migrateTestDatabase, type TestDatabaseHandle, testDatabases } from '../../support/databases.js';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

class HandlerError extends Error {
  readonly code = 'RECEIVER_DOWN';
}

for (const target of testDatabases()) {
  describe(`JobQueue on ${target.name}`, () => {
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
    });

    const job = (id: string) =>
      db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('runs a due job once with its payload and marks it done', async () => {
      const clock = new ManualClock();
      const queue = new JobQueue({ db, clock });
      const seen: unknown[] = [];
      const id = await queue.enqueue('process-execution', { executionId: 'wf_1', nested: [1, 'ä'] });
      const handlers = { 'process-execution': async (payload: unknown) => void seen.push(payload) };
      assert.equal(await queue.runDue(handlers), 1);
      assert.deepEqual(seen, [{ executionId: 'wf_1', nested: [1, 'ä'] }]);
      const row = await job(id);
      assert.deepEqual([row.status, row.attempts, row.locked_until], ['done', 1, null]);
      assert.equal(await queue.runDue(handlers), 0);
      assert.equal(seen.length, 1);
    });

    it('waits for runAt and leaves kinds it has no handler for', async () => {
      const clock = new ManualClock();
      const queue = new JobQueue({ db, clock });
      const later = await queue.enqueue('a', {}, { runAt: new Date(clock.now().getTime() + 60_000) });
      const other = await queue.enqueue('b', {});
      const ran: string[] = [];
      const handlers = { a: async () => void ran.push('a') };
      assert.equal(await queue.runDue(handlers), 0);
      clock.advance(60_000);
      assert.equal(await queue.runDue(handlers), 1);
      assert.deepEqual(ran, ['a']);
      assert.equal((await job(later)).status, 'done');
      assert.equal((await job(other)).status, 'pending');
    });

    it('enqueues a dedupe key only once', async () => {
      const clock = new ManualClock();
      const queue = new JobQueue({ db, clock });
      const first = await queue.enqueue('finalize', { n: 1 }, { dedupeKey: 'finalize:wf_1' });
      const again = await queue.enqueue('finalize', { n: 2 }, { dedupeKey: 'finalize:wf_1' });
      const distinct = await queue.enqueue('finalize', { n: 3 }, { dedupeKey: 'finalize:wf_2' });
      assert.equal(again, first);
      assert.notEqual(distinct, first);
      const payloads: unknown[] = [];
      await queue.runDue({ finalize: async (p: unknown) => void payloads.push(p) });
      assert.deepEqual(payloads, [{ n: 1 }, { n: 3 }]);
    });

    it('retries a failing handler with backoff, records the error, then marks it failed', async () => {
      const clock = new ManualClock();
      const queue = new JobQueue({ db, clock, maxAttempts: 3, retryDelayMs: (attempt) => attempt * 1_000 });
      const id = await queue.enqueue('flaky', {});
      let calls = 0;
      const handlers = {
        flaky: async () => {
          calls++;
          throw new HandlerError('receiver answered 503');
        },
      };
      assert.equal(await queue.runDue(handlers), 1);
      let row = await job(id);
      assert.deepEqual([row.status, row.attempts], ['pending', 1]);
      assert.equal(row.last_error, 'RECEIVER_DOWN: receiver answered 503');
      assert.equal(row.run_at, new Date(clock.now().getTime() + 1_000).toISOString());
      assert.equal(await queue.runDue(handlers), 0, 'backing off');
      clock.advance(1_000);
      assert.equal(await queue.runDue(handlers), 1);
      clock.advance(2_000);
      assert.equal(await queue.runDue(handlers), 1);
      row = await job(id);
      assert.deepEqual([row.status, row.attempts], ['failed', 3]);
      clock.advance(86_400_000);
      assert.equal(await queue.runDue(handlers), 0);
      assert.equal(calls, 3);
    });

    it('completes a job that fails once and then succeeds', async () => {
      const clock = new ManualClock();
      const queue = new JobQueue({ db, clock, retryDelayMs: () => 500 });
      const id = await queue.enqueue('once', {});
      let calls = 0;
      const handlers = {
        once: async () => {
          if (++calls === 1) throw new Error('first time fails');
        },
      };
      await queue.runDue(handlers);
      clock.advance(500);
      await queue.runDue(handlers);
      const row = await job(id);
      assert.deepEqual([row.status, row.attempts, row.last_error], ['done', 2, null]);
    });

    it('survives a crash: a locked job becomes claimable after its lock expires, and the dead worker cannot overwrite', async () => {
      const clock = new ManualClock();
      const crashed = new JobQueue({ db, clock, lockMs: 30_000 });
      const restarted = new JobQueue({ db, clock, lockMs: 30_000 });
      const id = await crashed.enqueue('process', { executionId: 'wf_9' });

      // The first worker claims the job and hangs (as good as dead) inside the handler.
      const hung = deferred();
      const entered = deferred();
      const crashedRun = crashed.runDue({
        process: async () => {
          entered.resolve();
          await hung.promise;
        },
      });
      await entered.promise;
      assert.equal((await job(id)).status, 'running');

      const ranAfterRestart: unknown[] = [];
      const handlers = { process: async (p: unknown) => void ranAfterRestart.push(p) };
      assert.equal(await restarted.runDue(handlers), 0, 'locked: not claimable yet');
      clock.advance(30_000);
      assert.equal(await restarted.runDue(handlers), 1);
      assert.deepEqual(ranAfterRestart, [{ executionId: 'wf_9' }]);
      let row = await job(id);
      assert.deepEqual([row.status, row.attempts], ['done', 2]);

      // The hung worker wakes up and fails: its lock is gone, so the done result stands.
      hung.resolve();
      await crashedRun;
      row = await job(id);
      assert.equal(row.status, 'done');
    });

    it('fails a job whose worker died on its last allowed attempt instead of retrying a poison job forever', async () => {
      const clock = new ManualClock();
      const queue = new JobQueue({ db, clock, maxAttempts: 2, lockMs: 1_000 });
      const id = await queue.enqueue('poison', {});
      await db
        .updateTable('jobs')
        .set({ status: 'running', attempts: 2, locked_until: clock.now().toISOString(), locked_by: 'dead' })
        .where('id', '=', id)
        .execute();
      let calls = 0;
      assert.equal(await queue.runDue({ poison: async () => void calls++ }), 0);
      const row = await job(id);
      assert.deepEqual([row.status, row.last_error, calls], ['failed', 'LOCK_EXPIRED', 0]);
    });

    it('runs each job exactly once when two processes poll together', async () => {
      const clock = new ManualClock();
      const a = new JobQueue({ db, clock });
      const b = new JobQueue({ db, clock });
      for (let n = 0; n < 30; n++) await a.enqueue('count', { n });
      const runs: number[] = [];
      const handlers = { count: async (p: { n: number }) => void runs.push(p.n) };
      const [byA, byB] = await Promise.all([a.runDue(handlers), b.runDue(handlers)]);
      assert.equal(byA + byB, 30);
      assert.deepEqual(
        runs.sort((x, y) => x - y),
        [...Array(30).keys()],
      );
    });

    it('start() runs jobs in the background and stop() waits for the handler in flight', async () => {
      const clock = new ManualClock();
      const queue = new JobQueue({ db, clock });
      const id = await queue.enqueue('slow', {});
      const gate = deferred();
      const entered = deferred();
      queue.start(
        {
          slow: async () => {
            entered.resolve();
            await gate.promise;
          },
        },
        { pollMs: 5 },
      );
      await entered.promise;
      let stopped = false;
      const stopping = queue.stop().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(stopped, false, 'stop() must wait for the handler');
      gate.resolve();
      await stopping;
      assert.equal((await job(id)).status, 'done');

      // Stopped means stopped: a new due job is not picked up.
      const later = await queue.enqueue('slow', {});
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal((await job(later)).status, 'pending');
      // Stopping the poller does not disable explicit runs (the CLI and tests drive the queue this way).
      gate.resolve();
      assert.equal(await queue.runDue({ slow: async () => {} }), 1);
      assert.equal((await job(later)).status, 'done');
    });
  });
}
