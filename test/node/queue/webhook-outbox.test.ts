import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { ManualClock } from '../../../src/server/clock.js';
import {
  DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS,
  generateWebhookSecret,
  queueMigrations,
  type QueueTables,
  WebhookOutbox,
  type WebhookOutboxOptions,
} from '../../../src/server/queue/index.js';
import { migrateTestDatabase, type TestDatabaseHandle, testDatabases } from '../../support/databases.js';
import { verifiedAt } from '../../support/webhook-receiver.js';

/** The receivers here listen on 127.0.0.1: the development setting, as `serve --demo` gives it. */
const LOOPBACK_RECEIVERS = { allowLoopback: true, allowedNetworks: [] };

interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/** A real HTTP receiver answering a scripted sequence of status codes (the last one repeats). */
class Receiver {
  readonly requests: ReceivedRequest[] = [];
  statuses: number[] = [200];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, rawBody: Buffer.concat(chunks) });
        const status = this.statuses.length > 1 ? this.statuses.shift()! : this.statuses[0]!;
        res
          .writeHead(status, status === 302 ? { location: 'http://127.0.0.1:9/elsewhere' } : {})
          .end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/idv`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

for (const target of testDatabases()) {
  describe(`WebhookOutbox on ${target.name}`, () => {
    let handle: TestDatabaseHandle;
    let db: Kysely<QueueTables>;
    let receiver: Receiver;
    let url: string;
    const secret = generateWebhookSecret();
    const secrets = new Map([['client-1', secret]]);
    const secretFor = async (clientId: string) => secrets.get(clientId);
    /** An outbox on this database that may deliver to loopback receivers; `options` adds to or overrides that. */
    const newOutbox = (clock: ManualClock, options: Partial<WebhookOutboxOptions> = {}) =>
      new WebhookOutbox({ db, clock, callbackPolicy: LOOPBACK_RECEIVERS, secretFor, ...options });

    before(async () => {
      handle = await target.open();
      await migrateTestDatabase(handle.db, queueMigrations);
      db = handle.db as Kysely<QueueTables>;
    });
    after(() => handle.close());
    beforeEach(async () => {
      await db.deleteFrom('webhook_deliveries').execute();
      await db.deleteFrom('jobs').execute();
      receiver = new Receiver();
      url = await receiver.start();
    });
    afterEach(() => receiver.close());

    const row = (id: string) =>
      db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('signs the stored bytes per Standard Webhooks and marks 2xx delivered', async () => {
      const clock = new ManualClock();
      const outbox = newOutbox(clock);
      const payload = {
        accountId: 'acc_1',
        workflowExecution: { id: 'wf_1', status: 'PROCESSED' },
        note: 'ünïcödé',
      };
      const id = await outbox.enqueue({ clientId: 'client-1', url, payload });

      assert.equal(await outbox.deliverDue(), 1);
      assert.equal(receiver.requests.length, 1);
      const [request] = receiver.requests;
      const stored = await row(id);
      assert.equal(request!.rawBody.toString('utf8'), stored.body);
      assert.equal(request!.headers['content-type'], 'application/json');
      assert.equal(request!.headers['webhook-id'], stored.msg_id);
      assert.equal(request!.headers['webhook-timestamp'], String(Math.floor(clock.now().getTime() / 1000)));
      assert.deepEqual(verifiedAt(clock, secret, request!), payload);
      // The check is real: another secret, or one changed byte, fails verification.
      assert.throws(() => verifiedAt(clock, generateWebhookSecret(), request!));
      const tampered = { ...request!, rawBody: Buffer.from(stored.body.replace('wf_1', 'wf_2')) };
      assert.throws(() => verifiedAt(clock, secret, tampered));

      assert.equal(stored.status, 'delivered');
      assert.equal(stored.attempts, 1);
      assert.equal(stored.last_status_code, 200);
      assert.equal(stored.delivered_at, clock.now().toISOString());
      assert.equal(await outbox.deliverDue(), 0);
    });

    it('retries a 500 after the scheduled gap with the same webhook-id and bytes, then delivers', async () => {
      receiver.statuses = [500, 200];
      const clock = new ManualClock();
      const schedule = [60_000, 600_000];
      const outbox = newOutbox(clock, { retryScheduleMs: schedule });
      const id = await outbox.enqueue({ clientId: 'client-1', url, payload: { n: 1 } });

      assert.equal(await outbox.deliverDue(), 1);
      let stored = await row(id);
      assert.equal(stored.status, 'pending');
      assert.equal(stored.attempts, 1);
      assert.equal(stored.last_status_code, 500);
      assert.equal(stored.last_error, 'HTTP_500');
      const gap = Date.parse(stored.next_attempt_at!) - clock.now().getTime();
      assert.ok(gap >= 60_000 * 0.8 && gap <= 60_000 * 1.2, `gap ${gap} must be 60 s ± 20%`);

      assert.equal(await outbox.deliverDue(), 0, 'not due yet');
      clock.advance(gap - 1);
      assert.equal(await outbox.deliverDue(), 0, 'still not due');
      clock.advance(1);
      assert.equal(await outbox.deliverDue(), 1);
      stored = await row(id);
      assert.equal(stored.status, 'delivered');
      assert.equal(stored.attempts, 2);
      assert.equal(receiver.requests.length, 2);
      const [first, second] = receiver.requests;
      assert.equal(first!.headers['webhook-id'], second!.headers['webhook-id']);
      assert.ok(first!.rawBody.equals(second!.rawBody));
      assert.notEqual(first!.headers['webhook-timestamp'], second!.headers['webhook-timestamp']);
      assert.deepEqual(verifiedAt(clock, secret, second!), { n: 1 });
    });

    it('disables on 410 and never calls that endpoint again for pending messages', async () => {
      receiver.statuses = [410];
      const clock = new ManualClock();
      const outbox = newOutbox(clock, { retryScheduleMs: [1_000] });
      const first = await outbox.enqueue({ clientId: 'client-1', url, payload: { n: 1 } });
      const second = await outbox.enqueue({ clientId: 'client-1', url, payload: { n: 2 } });
      // The second message is waiting out a backoff when the endpoint answers 410 to the first.
      await db
        .updateTable('jobs')
        .set({ run_at: new Date(clock.now().getTime() + 3_600_000).toISOString() })
        .where('payload', '=', JSON.stringify({ deliveryId: second }))
        .execute();

      assert.equal(await outbox.deliverDue(), 1);
      assert.equal((await row(first)).status, 'disabled');
      assert.equal((await row(first)).last_status_code, 410);
      assert.equal((await row(second)).status, 'disabled');
      clock.advance(7 * 24 * 3_600_000);
      assert.equal(await outbox.deliverDue(), 0);
      assert.equal(receiver.requests.length, 1);
    });

    it('marks failed once the schedule is exhausted', async () => {
      receiver.statuses = [503];
      const clock = new ManualClock();
      const outbox = newOutbox(clock, { retryScheduleMs: [1_000, 2_000] });
      const id = await outbox.enqueue({ clientId: 'client-1', url, payload: {} });
      for (let i = 0; i < 3; i++) {
        assert.equal(await outbox.deliverDue(), 1, `attempt ${i + 1}`);
        clock.advance(10_000);
      }
      const stored = await row(id);
      assert.equal(stored.status, 'failed');
      assert.equal(stored.attempts, 3);
      assert.equal(stored.next_attempt_at, null);
      clock.advance(30 * 24 * 3_600_000);
      assert.equal(await outbox.deliverDue(), 0);
      assert.equal(receiver.requests.length, 3);
    });

    it('treats a redirect as a failed attempt and does not follow it', async () => {
      receiver.statuses = [302];
      const clock = new ManualClock();
      const outbox = newOutbox(clock, { retryScheduleMs: [1_000] });
      const id = await outbox.enqueue({ clientId: 'client-1', url, payload: {} });
      assert.equal(await outbox.deliverDue(), 1);
      const stored = await row(id);
      assert.equal(stored.status, 'pending');
      assert.equal(stored.last_status_code, 302);
      assert.equal(receiver.requests.length, 1);
    });

    it('retries network errors and timeouts, and fails at once without a secret', async () => {
      const clock = new ManualClock();
      const closed = new Receiver();
      const closedUrl = await closed.start();
      await closed.close();
      const outbox = newOutbox(clock, { retryScheduleMs: [1_000] });
      const refused = await outbox.enqueue({ clientId: 'client-1', url: closedUrl, payload: {} });
      const orphan = await outbox.enqueue({ clientId: 'gone-client', url, payload: {} });
      assert.equal(await outbox.deliverDue(), 2);
      assert.deepEqual(
        [(await row(refused)).status, (await row(refused)).last_error],
        ['pending', 'NETWORK_ERROR'],
      );
      assert.deepEqual(
        [(await row(orphan)).status, (await row(orphan)).last_error],
        ['failed', 'NO_WEBHOOK_SECRET'],
      );

      const timingOut = newOutbox(clock, {
        retryScheduleMs: [1_000],
        fetch: async (_url, init) => {
          assert.ok(init?.signal, 'every request carries a timeout signal');
          throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
        },
      });
      const slow = await timingOut.enqueue({ clientId: 'client-1', url, payload: {} });
      clock.advance(5_000);
      await timingOut.deliverDue();
      assert.deepEqual([(await row(slow)).status, (await row(slow)).last_error], ['pending', 'TIMEOUT']);
      assert.equal(receiver.requests.length, 0);
    });

    it('survives a restart: a new outbox delivers what the old one left pending or died holding', async () => {
      const clock = new ManualClock();
      const before = newOutbox(clock);
      const neverTried = await before.enqueue({ clientId: 'client-1', url, payload: { n: 1 } });
      const diedHolding = await before.enqueue({ clientId: 'client-1', url, payload: { n: 2 } });
      // The old process claimed the second one's job and died before recording anything.
      await db
        .updateTable('jobs')
        .set((eb) => ({
          status: 'running',
          attempts: eb('attempts', '+', 1),
          locked_until: new Date(clock.now().getTime() + 60_000).toISOString(),
          locked_by: 'deadnode/1/x/claim',
        }))
        .where('payload', '=', JSON.stringify({ deliveryId: diedHolding }))
        .execute();

      const after = newOutbox(clock);
      assert.equal(await after.deliverDue(), 1);
      assert.equal((await row(neverTried)).status, 'delivered');
      assert.equal(
        (await row(diedHolding)).status,
        'pending',
        'leased by the dead process until its lease runs out',
      );
      clock.advance(60_000);
      assert.equal(await after.deliverDue(), 1);
      assert.equal((await row(diedHolding)).status, 'delivered');
      assert.deepEqual(
        receiver.requests.map((r) => JSON.parse(r.rawBody.toString())),
        [{ n: 1 }, { n: 2 }],
      );
    });

    it('delivers each message once when two processes poll the same table', async () => {
      const clock = new ManualClock();
      const a = newOutbox(clock);
      const b = newOutbox(clock);
      for (let n = 0; n < 12; n++) await a.enqueue({ clientId: 'client-1', url, payload: { n } });
      const [sentByA, sentByB] = await Promise.all([a.deliverDue(), b.deliverDue()]);
      assert.equal(sentByA + sentByB, 12);
      const seen = receiver.requests
        .map((r) => (JSON.parse(r.rawBody.toString()) as { n: number }).n)
        .sort((x, y) => x - y);
      assert.deepEqual(seen, [...Array(12).keys()]);
    });

    it('start() delivers in the background and stop() waits for the request in flight', async () => {
      const clock = new ManualClock();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started!: () => void;
      const requestStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      const outbox = newOutbox(clock, {
        fetch: async (input, init) => {
          started();
          await gate;
          return fetch(input, init);
        },
      });
      const id = await outbox.enqueue({ clientId: 'client-1', url, payload: {} });
      outbox.start({ pollMs: 5 });
      await requestStarted;
      let stopped = false;
      const stopping = outbox.stop().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(stopped, false, 'stop() must wait for the delivery in flight');
      release();
      await stopping;
      assert.equal((await row(id)).status, 'delivered');
    });
  });
}

describe('default webhook retry schedule', () => {
  it('spans about three days over ten attempts, starting within seconds', () => {
    const total = DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS.reduce((sum, ms) => sum + ms, 0);
    const days = total / 86_400_000;
    assert.ok(days > 2.9 && days < 3.1, `total ${days.toFixed(2)} days`);
    assert.equal(DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS[0], 5_000);
    const sorted = [...DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS].sort((a, b) => a - b);
    assert.deepEqual([...DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS], sorted, 'gaps never shrink');
  });

  it('fails a message after exactly schedule + 1 attempts when the receiver is always down', async () => {
    const [target] = testDatabases();
    const handle = await target!.open();
    try {
      await migrateTestDatabase(handle.db, queueMigrations);
      const clock = new ManualClock();
      let calls = 0;
      const outbox = new WebhookOutbox({
        callbackPolicy: LOOPBACK_RECEIVERS,
        db: handle.db,
        clock,
        secretFor: async () => generateWebhookSecret(),
        fetch: async () => {
          calls++;
          return new Response('down', { status: 500 });
        },
      });
      const id = await outbox.enqueue({ clientId: 'c', url: 'http://127.0.0.1:1/x', payload: {} });
      const started = clock.now().getTime();
      let lastAttemptAt = started;
      // Bounded loop: a bug that never fails the message ends the test instead of hanging it.
      for (let round = 0; round < 50; round++) {
        if ((await outbox.deliverDue()) > 0) lastAttemptAt = clock.now().getTime();
        const next = await handle.db
          .selectFrom('webhook_deliveries')
          .select(['next_attempt_at', 'status'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        if (next.status !== 'pending') break;
        clock.set(new Date(next.next_attempt_at));
      }
      assert.equal(calls, DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS.length + 1);
      assert.equal(
        (
          await handle.db
            .selectFrom('webhook_deliveries')
            .select('status')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).status,
        'failed',
      );
      const spanDays = (lastAttemptAt - started) / 86_400_000;
      // ±20% jitter on each gap.
      assert.ok(spanDays > 2.9 * 0.8 && spanDays < 3.1 * 1.2, `span ${spanDays.toFixed(2)} days`);
    } finally {
      await handle.close();
    }
  });
});
