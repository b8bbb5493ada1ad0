/**
 * Durable, signed webhook delivery (transactional-outbox style): callers `enqueue` a message in the database, and
 * any server process delivers it later, retrying with backoff for about three days. A delivery is one kind of job
 * (`webhook-delivery`) on the shared queue core (job-queue.ts: claim, lease, retry); the `webhook_deliveries` row is
 * the message itself (bytes, webhook-id, outcome), which the job attempts to send.
 *
 * Per Standard Webhooks (standardwebhooks.com): the body is serialized once and stored, and exactly those bytes
 * are signed and sent; `webhook-id` stays the same across retries so receivers can drop duplicates. An event enqueued
 * with an `eventKey` (an execution's status change) gets a webhook-id derived from it, and enqueuing the same event
 * again (a job that ran twice, two nodes) adds nothing: one event, one message, one webhook-id. Delivery is
 * at-least-once: a process that dies after sending but before recording the result sends again after its lease
 * runs out. Bodies are never logged.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Kysely } from 'kysely';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../clock.js';
import {
  type CallbackPolicy,
  CallbackTargetError,
  type HostResolver,
  type ResolvedAddress,
  resolveCallbackTarget,
  STRICT_CALLBACK_POLICY,
  systemResolver,
} from './callback-target.js';
import { type JobKind, JobQueue, RetryJobLater, type RunningJob } from './job-queue.js';
import type { QueueTables, WebhookDeliveryStatus } from './migrations.js';

export interface WebhookOutboxOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the outbox only touches its own table
  db: Kysely<any>;
  clock: Clock;
  /** The queue core deliveries run on (the app's); default: a queue of its own on `db`. */
  queue?: JobQueue;
  /** The client's Standard Webhooks secret (`whsec_` + base64); undefined when the client is gone. */
  secretFor(clientId: string): Promise<string | undefined>;
  /**
   * Tests only: send through this instead of the pinned HTTP client. The URL policy and the lookup still run
   * first; only the connection is not pinned.
   */
  fetch?: typeof fetch;
  /** Where callbacks may go (default: public https only, see callback-target.ts). */
  callbackPolicy?: CallbackPolicy;
  /** DNS lookup of callback hosts (default: the system resolver). */
  resolveHost?: HostResolver;
  /** Delays between attempts; attempts = length + 1. Default {@link DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS}. */
  retryScheduleMs?: number[];
  /** Called with delivery ids, status codes and short reasons only. */
  onAttempt?: (event: WebhookAttemptEvent) => void;
  /** Called when a background poll fails (e.g. the database is unreachable); the next poll tries again. */
  onError?: (error: unknown) => void;
}

export interface WebhookAttemptEvent {
  deliveryId: string;
  clientId: string;
  attempt: number;
  status: WebhookDeliveryStatus;
  statusCode?: number;
  reason?: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Gaps between attempts, in the spirit of Svix's schedule stretched to ≈ 3 days (71 h 35 min in total) so a
 * receiver that is down over a weekend still gets its callbacks.
 */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  20 * HOUR,
];

/** Each scheduled gap is stretched or shrunk by up to this share, so retries from an outage do not stampede. */
export const WEBHOOK_RETRY_JITTER = 0.2;
export const WEBHOOK_REQUEST_TIMEOUT_MS = 10_000;
/** Deliveries sent concurrently by one process (they wait on the network, not the CPU). */
export const DELIVERY_CONCURRENCY = 8;
export const JOB_WEBHOOK_DELIVERY = 'webhook-delivery';

/** The webhook-id of an event: the same event always gets the same id, whichever node enqueues it. */
export function webhookIdOf(clientId: string, eventKey: string): string {
  return `msg_${createHash('sha256').update(`${clientId}\n${eventKey}`).digest('hex').slice(0, 32)}`;
}

/** A new Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export class WebhookOutbox {
  private readonly db: Kysely<QueueTables>;
  private readonly clock: Clock;
  private readonly secretFor: WebhookOutboxOptions['secretFor'];
  private readonly fetch: typeof fetch | undefined;
  private readonly policy: CallbackPolicy;
  private readonly resolveHost: HostResolver;
  private readonly schedule: readonly number[];
  private readonly onAttempt: NonNullable<WebhookOutboxOptions['onAttempt']>;
  private readonly onError: NonNullable<WebhookOutboxOptions['onError']>;
  readonly queue: JobQueue;
  /** Sends made by this process (deliverDue's count: jobs of messages settled meanwhile send nothing). */
  private attemptsMade = 0;
  private readonly ownsQueue: boolean;

  constructor(opts: WebhookOutboxOptions) {
    this.db = opts.db as Kysely<QueueTables>;
    this.clock = opts.clock;
    this.secretFor = opts.secretFor;
    this.fetch = opts.fetch;
    this.policy = opts.callbackPolicy ?? STRICT_CALLBACK_POLICY;
    this.resolveHost = opts.resolveHost ?? systemResolver;
    this.schedule = opts.retryScheduleMs ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS;
    this.onAttempt = opts.onAttempt ?? (() => {});
    this.onError = opts.onError ?? (() => {});
    this.ownsQueue = !opts.queue;
    this.queue = opts.queue ?? new JobQueue({ db: opts.db, clock: opts.clock });
  }

  /** The job kind the queue runs: one attempt per run; retries follow the delivery schedule. */
  get jobKind(): JobKind {
    return {
      maxAttempts: this.schedule.length + 1,
      run: (payload: { deliveryId: string }, job: RunningJob) => this.attempt(payload.deliveryId, job),
    };
  }

  /**
   * Stores a message for delivery (first attempt due now) and its delivery job, in one transaction; returns the
   * delivery id. With `eventKey`, the same event enqueued again returns the first delivery and adds nothing.
   */
  async enqueue(m: {
    clientId: string;
    url: string;
    payload: unknown;
    eventKey?: string;
    /** The execution the message is about: its PII deletion redacts the stored body (`redactDeliveries`). */
    executionId?: string;
  }): Promise<string> {
    const now = this.clock.now().toISOString();
    const msgId = m.eventKey
      ? webhookIdOf(m.clientId, m.eventKey)
      : `msg_${randomUUID().replaceAll('-', '')}`;
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_deliveries')
        .values({
          id: `whd_${randomUUID()}`,
          client_id: m.clientId,
          url: m.url,
          msg_id: msgId,
          body: JSON.stringify(m.payload),
          execution_id: m.executionId ?? null,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          locked_until: null,
          last_status_code: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
        })
        .onConflict((oc) => oc.column('msg_id').doNothing())
        .execute();
      const { id } = await trx
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('msg_id', '=', msgId)
        .executeTakeFirstOrThrow();
      await this.queue.enqueue(
        JOB_WEBHOOK_DELIVERY,
        { deliveryId: id },
        { dedupeKey: `webhook:${msgId}`, db: trx },
      );
      return id;
    });
  }

  /** Polls every `pollMs` (default 1 s) and delivers what is due, several at a time. */
  start(opts: { pollMs?: number } = {}): void {
    this.queue.start(
      { [JOB_WEBHOOK_DELIVERY]: this.jobKind },
      { ...opts, concurrency: DELIVERY_CONCURRENCY },
    );
  }

  /** Stops a queue of its own (the app stops the shared one) and waits for requests in flight (10 s timeout each). */
  async stop(): Promise<void> {
    if (this.ownsQueue) await this.queue.stop();
  }

  /** Makes one attempt for every delivery due now; returns how many attempts were made. */
  async deliverDue(): Promise<number> {
    const before = this.attemptsMade;
    await this.queue.runDue({ [JOB_WEBHOOK_DELIVERY]: this.jobKind }, { concurrency: DELIVERY_CONCURRENCY });
    return this.attemptsMade - before;
  }

  /** One attempt of the delivery job; throws RetryJobLater when the schedule says to try again. */
  private async attempt(id: string, job: RunningJob): Promise<void> {
    const delivery = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    // Delivered, failed, or disabled by a 410 on a sibling message: nothing to send.
    if (delivery?.status !== 'pending') return;
    this.attemptsMade += 1;
    const result = await this.send(delivery.client_id, delivery.url, delivery.msg_id, delivery.body);
    const retryAt = await this.record(delivery.id, delivery.client_id, delivery.url, job.attempts, result);
    if (retryAt) throw new RetryJobLater(result.reason ?? `HTTP_${result.statusCode}`, retryAt);
  }

  private async send(
    clientId: string,
    url: string,
    msgId: string,
    body: string,
  ): Promise<{ statusCode?: number; reason?: string; permanent?: boolean }> {
    const secret = await this.secretFor(clientId);
    if (!secret) return { reason: 'NO_WEBHOOK_SECRET', permanent: true };
    let signer: Webhook;
    try {
      signer = new Webhook(secret);
    } catch {
      return { reason: 'INVALID_WEBHOOK_SECRET', permanent: true };
    }
    let target: Awaited<ReturnType<typeof resolveCallbackTarget>>;
    try {
      target = await resolveCallbackTarget(url, this.policy, this.resolveHost);
    } catch (error) {
      // A forbidden destination stays forbidden; a failed lookup is retried like any network error.
      if (error instanceof CallbackTargetError) return { reason: error.code, permanent: true };
      return { reason: 'DNS_ERROR' };
    }
    const timestamp = this.clock.now();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signer.sign(msgId, timestamp, body),
    };
    try {
      if (!this.fetch) return { statusCode: await pinnedPost(target.url, target.pinned, headers, body) };
      const response = await this.fetch(url, {
        method: 'POST',
        headers,
        body,
        // A redirect is a failed attempt: following it would send signed data somewhere the customer did not name.
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_REQUEST_TIMEOUT_MS),
      });
      // Release the connection without reading what the receiver said.
      await response.body?.cancel().catch(() => {});
      return { statusCode: response.status };
    } catch (error) {
      const name = (error as { name?: string }).name;
      return { reason: name === 'TimeoutError' || name === 'AbortError' ? 'TIMEOUT' : 'NETWORK_ERROR' };
    }
  }

  private async record(
    id: string,
    clientId: string,
    url: string,
    attempt: number,
    result: { statusCode?: number; reason?: string; permanent?: boolean },
  ): Promise<Date | undefined> {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const code = result.statusCode;
    const base = { attempts: attempt, locked_until: null, last_status_code: code ?? null };
    const table = () => this.db.updateTable('webhook_deliveries');

    if (code !== undefined && code >= 200 && code < 300) {
      await table()
        .set({ ...base, status: 'delivered', delivered_at: nowIso, next_attempt_at: null, last_error: null })
        .where('id', '=', id)
        .execute();
      this.onAttempt({ deliveryId: id, clientId, attempt, status: 'delivered', statusCode: code });
      return undefined;
    }
    if (code === 410) {
      // 410 Gone: the receiver tells us this endpoint no longer exists and must not be called again (Standard
      // Webhooks / Svix semantics). The message is `disabled`, not `failed`: nothing went wrong on our side and it
      // will never be retried. Other pending messages for the same client and URL are disabled with it.
      await table()
        .set({ ...base, status: 'disabled', next_attempt_at: null, last_error: 'HTTP_410' })
        .where('id', '=', id)
        .execute();
      await table()
        .set({ status: 'disabled', next_attempt_at: null, last_error: 'ENDPOINT_GONE' })
        .where('client_id', '=', clientId)
        .where('url', '=', url)
        .where('status', '=', 'pending')
        .where('id', '!=', id)
        .execute();
      this.onAttempt({ deliveryId: id, clientId, attempt, status: 'disabled', statusCode: code });
      return undefined;
    }
    const reason = result.reason ?? `HTTP_${code}`;
    const gap = this.schedule[attempt - 1];
    if (result.permanent || gap === undefined) {
      await table()
        .set({ ...base, status: 'failed', next_attempt_at: null, last_error: reason })
        .where('id', '=', id)
        .execute();
      this.onAttempt({ deliveryId: id, clientId, attempt, status: 'failed', statusCode: code, reason });
      return undefined;
    }
    const jitter = 1 - WEBHOOK_RETRY_JITTER + Math.random() * 2 * WEBHOOK_RETRY_JITTER;
    const next = new Date(now.getTime() + Math.round(gap * jitter));
    await table()
      .set({ ...base, status: 'pending', next_attempt_at: next.toISOString(), last_error: reason })
      .where('id', '=', id)
      .execute();
    this.onAttempt({ deliveryId: id, clientId, attempt, status: 'pending', statusCode: code, reason });
    return next;
  }
}

/**
 * POSTs to the address that passed the policy (the name is kept for the Host header, SNI and the certificate
 * check), never following redirects; resolves with the status code without reading the answer.
 */
function pinnedPost(
  url: URL,
  pinned: ResolvedAddress,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const lookup = ((_name, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as (error: null, addresses: ResolvedAddress[]) => void)(null, [pinned]);
    } else callback(null, pinned.address, pinned.family);
  }) as LookupFunction;
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup,
        ...(isIP(host) ? {} : { servername: host }),
        agent: false,
        signal: AbortSignal.timeout(WEBHOOK_REQUEST_TIMEOUT_MS),
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * PII deletion of an execution reaches its callbacks too: the stored bodies (sent ones and those still pending)
 * lose the customer's `userReference`; ids and status stay. A pending message then goes out without it.
 */
export async function redactDeliveries(
  // biome-ignore lint/suspicious/noExplicitAny: any database (or transaction) that holds the queue tables
  anyDb: Kysely<any>,
  executionId: string,
): Promise<void> {
  const db = anyDb as Kysely<QueueTables>;
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['id', 'body'])
    .where('execution_id', '=', executionId)
    .execute();
  for (const row of rows) {
    const { userReference: _dropped, ...rest } = JSON.parse(row.body) as Record<string, unknown>;
    await db
      .updateTable('webhook_deliveries')
      .set({ body: JSON.stringify(rest) })
      .where('id', '=', row.id)
      .execute();
  }
}
