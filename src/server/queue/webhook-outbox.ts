/**
 * Durable, signed webhook delivery (transactional-outbox style): callers `enqueue` a message in the database, and
 * any server process delivers it later, retrying with backoff for about three days.
 *
 * Per Standard Webhooks (standardwebhooks.com): the body is serialized once and stored, and exactly those bytes
 * are signed and sent; `webhook-id` stays the same across retries so receivers can drop duplicates. Delivery is
 * at-least-once: a process that dies after sending but before recording the result sends again after its lock
 * expires. Bodies are never logged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
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
import type { QueueTables, WebhookDeliveryStatus } from './migrations.js';
import { Poller } from './poller.js';

export interface WebhookOutboxOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the outbox only touches its own table
  db: Kysely<any>;
  clock: Clock;
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
/** A claim outlives the request timeout; after it, another process may (re)try a delivery whose worker died. */
const DELIVERY_LOCK_MS = 60_000;
/** Deliveries sent concurrently by one process. */
const DELIVERY_CONCURRENCY = 8;
const MAX_DELIVERIES_PER_RUN = 1_000;

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
  private poller: Poller | undefined;
  private stopping = false;

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
  }

  /** Stores a message for delivery (first attempt due now); returns the delivery id. */
  async enqueue(m: { clientId: string; url: string; payload: unknown }): Promise<string> {
    const now = this.clock.now().toISOString();
    const id = `whd_${randomUUID()}`;
    await this.db
      .insertInto('webhook_deliveries')
      .values({
        id,
        client_id: m.clientId,
        url: m.url,
        msg_id: `msg_${randomUUID().replaceAll('-', '')}`,
        body: JSON.stringify(m.payload),
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        locked_until: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      })
      .execute();
    return id;
  }

  /** Polls every `pollMs` (default 1 s) and delivers what is due. */
  start(opts: { pollMs?: number } = {}): void {
    if (this.poller?.running) return;
    this.stopping = false;
    this.poller = new Poller(
      () => this.drain(() => !this.stopping),
      (error) => this.onError(error),
    );
    this.poller.start(opts.pollMs ?? 1_000);
  }

  /** Stops polling and waits for requests in flight (each bounded by the 10 s timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.poller?.stop();
  }

  /** Makes one attempt for every delivery due now; returns how many attempts were made. */
  deliverDue(): Promise<number> {
    return this.drain(() => true);
  }

  /** `proceed` is checked between batches, so `stop()` ends a background run after the requests in flight. */
  private async drain(proceed: () => boolean): Promise<number> {
    let attempted = 0;
    while (attempted < MAX_DELIVERIES_PER_RUN && proceed()) {
      const nowIso = this.clock.now().toISOString();
      const due = await this.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', nowIso)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowIso)]))
        .orderBy('next_attempt_at')
        .limit(DELIVERY_CONCURRENCY)
        .execute();
      if (due.length === 0) break;
      const outcomes = await Promise.all(due.map((d) => this.claimAndDeliver(d.id)));
      const made = outcomes.filter(Boolean).length;
      attempted += made;
      // Everything due was claimed by other processes: leave it to them.
      if (made === 0) break;
    }
    return attempted;
  }

  private async claimAndDeliver(id: string): Promise<boolean> {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const claimed = await this.db
      .updateTable('webhook_deliveries')
      .set({ locked_until: new Date(now.getTime() + DELIVERY_LOCK_MS).toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowIso)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return false;
    const delivery = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const attempt = delivery.attempts + 1;
    const result = await this.send(delivery.client_id, delivery.url, delivery.msg_id, delivery.body);
    await this.record(delivery.id, delivery.client_id, delivery.url, attempt, result);
    return true;
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
  ): Promise<void> {
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
      return;
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
      return;
    }
    const reason = result.reason ?? `HTTP_${code}`;
    const gap = this.schedule[attempt - 1];
    if (result.permanent || gap === undefined) {
      await table()
        .set({ ...base, status: 'failed', next_attempt_at: null, last_error: reason })
        .where('id', '=', id)
        .execute();
      this.onAttempt({ deliveryId: id, clientId, attempt, status: 'failed', statusCode: code, reason });
      return;
    }
    const jitter = 1 - WEBHOOK_RETRY_JITTER + Math.random() * 2 * WEBHOOK_RETRY_JITTER;
    const next = new Date(now.getTime() + Math.round(gap * jitter)).toISOString();
    await table()
      .set({ ...base, status: 'pending', next_attempt_at: next, last_error: reason })
      .where('id', '=', id)
      .execute();
    this.onAttempt({ deliveryId: id, clientId, attempt, status: 'pending', statusCode: code, reason });
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
