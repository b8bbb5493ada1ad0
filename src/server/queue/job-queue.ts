/**
 * The one durable queue core on the main database (SQLite or PostgreSQL) for every kind of background work —
 * processing executions, webhook deliveries, sweeps and purges — safe with any number of server processes.
 *
 * Claims: one statement takes up to n due jobs and returns them. On PostgreSQL the candidates are selected
 * `FOR UPDATE SKIP LOCKED` in a materialized CTE, so concurrent nodes skip each other's rows instead of queueing on
 * row locks; on SQLite (one writer at a time) an `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING` is atomic. The claim sets a lease (`locked_until`,
 * `locked_by`); a running handler renews it (heartbeat every third of the lease), so the lease can be short and a
 * dead node's job is taken over soon after the node stops renewing, while a long job on a live node keeps its claim.
 * Results are written only by the claim that still holds the lease, so a worker whose lease was taken over cannot
 * overwrite the next one's result (at-least-once: handlers must be idempotent). Failures are retried with the
 * kind's backoff until its attempts run out. `stop()` lets handlers in flight finish (bounded) and then hands back
 * whatever this process still holds, so another node runs it at once. Idempotency: `dedupeKey` (unique) makes a
 * second enqueue of the same work a no-op.
 *
 * graphile-worker and pg-boss do this for PostgreSQL only; the project also runs on SQLite (one node, zero set-up),
 * so the core is ours, ~300 lines, with the same SKIP LOCKED claim those libraries use.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type ExpressionBuilder, type Kysely, PostgresAdapter } from 'kysely';
import type { Clock } from '../clock.js';
import type { QueueTables } from './migrations.js';
import { Poller } from './poller.js';

/** What a handler learns about the job it runs. */
export interface RunningJob {
  id: string;
  kind: string;
  /** 1 on the first attempt. */
  attempts: number;
  maxAttempts: number;
}

/** A kind with its own retry policy (webhook deliveries follow their own ≈ 3-day schedule). */
export interface JobKind {
  // biome-ignore lint/suspicious/noExplicitAny: each handler knows the payload shape of its own kind
  run(payload: any, job: RunningJob): Promise<void>;
  maxAttempts?: number;
  retryDelayMs?: (attempt: number) => number;
}

// biome-ignore lint/suspicious/noExplicitAny: each handler knows the payload shape of its own kind
export type JobHandler = ((payload: any, job: RunningJob) => Promise<void>) | JobKind;
export type JobHandlers = Record<string, JobHandler>;

export interface JobQueueOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the queue only touches its own tables
  db: Kysely<any>;
  clock: Clock;
  /** Attempts before a job is marked `failed` (default 8), for kinds without their own. */
  maxAttempts?: number;
  /**
   * Lease of a claim (default 60 s, `IDV_JOB_LEASE_MS`): renewed while the handler runs; a node that dies stops
   * renewing, and its job is taken over by another node once the lease has run out.
   */
  lockMs?: number;
  /** Delay before retry number `attempt` (1-based). Default: 5 s doubling, capped at 1 h, ±20% jitter. */
  retryDelayMs?: (attempt: number) => number;
  /** This node's name (`IDV_NODE_ID`); claims carry it so a restarted node can reclaim its own dead jobs. */
  nodeId?: string;
  /** Called for handler failures and poll errors; receives the job kind and id, never the payload. */
  onError?: (error: unknown, job?: { id: string; kind: string; attempts: number }) => void;
}

/** Bound on one `runDue` so a handler that keeps enqueuing due jobs cannot pin a poll forever. */
const MAX_JOBS_PER_RUN = 500;
const LAST_ERROR_MAX_CHARS = 500;

export function defaultJobRetryDelayMs(attempt: number): number {
  const base = Math.min(5_000 * 2 ** (attempt - 1), 3_600_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Thrown by a handler to be run again at `retryAt` (its own schedule); not reported as an error. */
export class RetryJobLater extends Error {
  override readonly name = 'RetryJobLater';
  constructor(
    readonly code: string,
    readonly retryAt: Date,
  ) {
    super(`retry at ${retryAt.toISOString()}`);
  }
}

interface ClaimedJob {
  id: string;
  kind: string;
  payload: string;
  attempts: number;
  lockToken: string;
}

export class JobQueue {
  private readonly db: Kysely<QueueTables>;
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  readonly lockMs: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly onError: NonNullable<JobQueueOptions['onError']>;
  private readonly postgres: boolean;
  private readonly pollers: Poller[] = [];
  private stopping = false;
  /** `<node>/<pid>/<process start>/`: who holds a claim (fits the 64-character `locked_by` column). */
  private readonly nodePrefix: string;
  private readonly processPrefix: string;

  constructor(opts: JobQueueOptions) {
    this.nodePrefix = `${createHash('sha256')
      .update(opts.nodeId ?? hostname())
      .digest('hex')
      .slice(0, 8)}/`;
    this.processPrefix = `${this.nodePrefix}${process.pid}/${Math.round(performance.timeOrigin).toString(36)}/`;
    this.db = opts.db as Kysely<QueueTables>;
    this.clock = opts.clock;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.lockMs = opts.lockMs ?? 60_000;
    this.retryDelayMs = opts.retryDelayMs ?? defaultJobRetryDelayMs;
    this.onError = opts.onError ?? (() => {});
    this.postgres = this.db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /**
   * Adds a job; returns its id. With `dedupeKey`, a second enqueue with the same key (ever, whatever the first
   * job's status) adds nothing and returns the first job's id. `db` enqueues inside the caller's transaction.
   */
  async enqueue(
    kind: string,
    payload: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: a transaction of any schema that has the jobs table
    opts: { runAt?: Date; dedupeKey?: string; db?: Kysely<any> } = {},
  ): Promise<string> {
    const db = (opts.db ?? this.db) as Kysely<QueueTables>;
    const now = this.clock.now().toISOString();
    const id = `job_${randomUUID()}`;
    await db
      .insertInto('jobs')
      .values({
        id,
        kind,
        payload: JSON.stringify(payload ?? null),
        dedupe_key: opts.dedupeKey ?? null,
        status: 'pending',
        attempts: 0,
        run_at: (opts.runAt ?? this.clock.now()).toISOString(),
        locked_until: null,
        locked_by: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
    if (opts.dedupeKey === undefined) return id;
    const row = await db
      .selectFrom('jobs')
      .select('id')
      .where('dedupe_key', '=', opts.dedupeKey)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * At start: jobs this node claimed in an earlier life (same node name, a process that is gone) are due again now,
   * instead of after their lease runs out. Other nodes' claims are left to expire: their process may be alive.
   * Returns how many were reclaimed.
   */
  async reclaimOwnDead(): Promise<number> {
    const held = await this.db
      .selectFrom('jobs')
      .select(['id', 'locked_by'])
      .where('status', '=', 'running')
      .where('locked_by', 'like', `${this.nodePrefix}%`)
      .execute();
    const nowIso = this.clock.now().toISOString();
    let reclaimed = 0;
    for (const job of held) {
      if (!job.locked_by || job.locked_by.startsWith(this.processPrefix)) continue;
      const pid = Number(job.locked_by.split('/')[1]);
      if (pid !== process.pid && processAlive(pid)) continue;
      const result = await this.db
        .updateTable('jobs')
        .set({ status: 'pending', run_at: nowIso, locked_until: null, locked_by: null, updated_at: nowIso })
        .where('id', '=', job.id)
        .where('locked_by', '=', job.locked_by)
        .executeTakeFirst();
      reclaimed += Number(result.numUpdatedRows);
    }
    return reclaimed;
  }

  /**
   * Polls every `pollMs` (default 1 s) and runs due jobs of the given kinds, `concurrency` at a time (default 1).
   * May be called several times with different kinds (a worker per kind family: processing one at a time,
   * deliveries several at once).
   */
  start(handlers: JobHandlers, opts: { pollMs?: number; concurrency?: number } = {}): void {
    this.stopping = false;
    const concurrency = Math.max(1, opts.concurrency ?? 1);
    const poller = new Poller(
      () => this.drain(handlers, concurrency, () => !this.stopping),
      (error) => this.onError(error),
    );
    this.pollers.push(poller);
    poller.start(opts.pollMs ?? 1_000);
  }

  /**
   * Stops polling and waits for handlers in flight, at most `timeoutMs` (default: until they finish); then gives
   * back every claim this process still holds (due at once, the attempt not counted), so another node takes over.
   */
  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    const pollers = this.pollers.splice(0);
    const finished = Promise.all(pollers.map((poller) => poller.stop()));
    if (opts.timeoutMs === undefined) await finished;
    else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, opts.timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.releaseHeld().catch((error: unknown) => this.onError(error));
  }

  /** Hands back the claims of this process (graceful shutdown); returns how many. */
  async releaseHeld(): Promise<number> {
    const nowIso = this.clock.now().toISOString();
    const result = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'pending',
        run_at: nowIso,
        attempts: eb('attempts', '-', 1),
        locked_until: null,
        locked_by: null,
        updated_at: nowIso,
      }))
      .where('status', '=', 'running')
      .where('locked_by', 'like', `${this.processPrefix}%`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Claims and runs every job that is due now and has a handler here; returns how many ran (ok or not). */
  runDue(handlers: JobHandlers, opts: { concurrency?: number } = {}): Promise<number> {
    return this.drain(handlers, Math.max(1, opts.concurrency ?? 1), () => true);
  }

  /** `proceed` is checked between batches, so `stop()` ends a background run after the handlers in flight. */
  private async drain(handlers: JobHandlers, concurrency: number, proceed: () => boolean): Promise<number> {
    const kinds = Object.keys(handlers);
    if (kinds.length === 0) return 0;
    let ran = 0;
    await this.failAbandoned(handlers);
    while (ran < MAX_JOBS_PER_RUN && proceed()) {
      const claimed = await this.claim(handlers, Math.min(concurrency, MAX_JOBS_PER_RUN - ran));
      if (claimed.length === 0) break;
      ran += claimed.length;
      await this.withHeartbeat(claimed[0]!.lockToken, () =>
        Promise.all(claimed.map((job) => this.runClaimed(job, handlers))),
      );
    }
    return ran;
  }

  private maxAttemptsOf(handler: JobHandler | undefined): number {
    return (typeof handler === 'object' ? handler.maxAttempts : undefined) ?? this.maxAttempts;
  }

  /**
   * A job whose lease ran out after its last allowed attempt most likely crashes its worker (poison job): fail it
   * instead of handing it to the next process.
   */
  private async failAbandoned(handlers: JobHandlers): Promise<void> {
    const nowIso = this.clock.now().toISOString();
    for (const [kind, handler] of Object.entries(handlers)) {
      await this.db
        .updateTable('jobs')
        .set({
          status: 'failed',
          locked_until: null,
          locked_by: null,
          last_error: 'LOCK_EXPIRED',
          updated_at: nowIso,
        })
        .where('kind', '=', kind)
        .where('status', '=', 'running')
        .where('locked_until', '<=', nowIso)
        .where('attempts', '>=', this.maxAttemptsOf(handler))
        .execute();
    }
  }

  /** Due and pending, or abandoned by a dead worker (lease ran out) with attempts left. */
  private claimable(eb: ExpressionBuilder<QueueTables, 'jobs'>, handlers: JobHandlers, nowIso: string) {
    return eb.and([
      eb('kind', 'in', Object.keys(handlers)),
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', nowIso)]),
        eb.and([
          eb('status', '=', 'running'),
          eb('locked_until', '<=', nowIso),
          eb.or(
            Object.entries(handlers).map(([kind, handler]) =>
              eb.and([eb('kind', '=', kind), eb('attempts', '<', this.maxAttemptsOf(handler))]),
            ),
          ),
        ]),
      ]),
    ]);
  }

  /** Takes up to `limit` claimable jobs in one statement; returns what this process now holds. */
  private async claim(handlers: JobHandlers, limit: number): Promise<ClaimedJob[]> {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const lockToken = `${this.processPrefix}${randomUUID().replaceAll('-', '')}`;
    const due = this.db
      .selectFrom('jobs')
      .select('id')
      .where((eb) => this.claimable(eb, handlers, nowIso))
      .orderBy('run_at')
      .limit(limit);
    const claim = {
      status: 'running' as const,
      locked_until: new Date(now.getTime() + this.lockMs).toISOString(),
      locked_by: lockToken,
      updated_at: nowIso,
    };
    // PostgreSQL: the candidates in a materialized CTE, so LIMIT and SKIP LOCKED are evaluated once (inside
    // `IN (subquery)` the planner may re-run the subquery per row and, skipping locked rows, claim more than LIMIT).
    const rows = this.postgres
      ? await this.db
          .with(
            (cte) => cte('next').materialized(),
            () => due.forUpdate().skipLocked(),
          )
          .updateTable('jobs')
          .from('next')
          .set((eb) => ({ ...claim, attempts: eb('jobs.attempts', '+', 1) }))
          .whereRef('jobs.id', '=', 'next.id')
          .returning(['jobs.id', 'jobs.kind', 'jobs.payload', 'jobs.attempts'])
          .execute()
      : // SQLite: one writer at a time, and a non-correlated IN subquery is evaluated once.
        await this.db
          .updateTable('jobs')
          .set((eb) => ({ ...claim, attempts: eb('attempts', '+', 1) }))
          .where('id', 'in', due)
          .where((eb) => this.claimable(eb, handlers, nowIso))
          .returning(['id', 'kind', 'payload', 'attempts'])
          .execute();
    return rows
      .map((row) => ({ ...row, attempts: Number(row.attempts), lockToken }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Renews the lease of `lockToken` every third of the lease while `work` runs. */
  private async withHeartbeat<T>(lockToken: string, work: () => Promise<T>): Promise<T> {
    const renew = () => {
      const now = this.clock.now();
      this.db
        .updateTable('jobs')
        .set({ locked_until: new Date(now.getTime() + this.lockMs).toISOString() })
        .where('locked_by', '=', lockToken)
        .where('status', '=', 'running')
        .execute()
        .catch((error: unknown) => this.onError(error));
    };
    const timer = setInterval(renew, Math.max(50, Math.floor(this.lockMs / 3)));
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private async runClaimed(job: ClaimedJob, handlers: JobHandlers): Promise<void> {
    const handler = handlers[job.kind]!;
    const maxAttempts = this.maxAttemptsOf(handler);
    const run = typeof handler === 'function' ? handler : handler.run.bind(handler);
    const retryDelayMs =
      (typeof handler === 'object' ? handler.retryDelayMs : undefined) ?? this.retryDelayMs;
    let failure: unknown;
    try {
      await run(JSON.parse(job.payload), { id: job.id, kind: job.kind, attempts: job.attempts, maxAttempts });
    } catch (error) {
      failure = error ?? new Error('job handler rejected without a reason');
    }
    const nowIso = this.clock.now().toISOString();
    const mine = this.db.updateTable('jobs').where('id', '=', job.id).where('locked_by', '=', job.lockToken);
    if (failure === undefined) {
      await mine
        .set({ status: 'done', locked_until: null, locked_by: null, last_error: null, updated_at: nowIso })
        .execute();
      return;
    }
    if (!(failure instanceof RetryJobLater))
      this.onError(failure, { id: job.id, kind: job.kind, attempts: job.attempts });
    const lastError = describeError(failure);
    if (job.attempts >= maxAttempts) {
      await mine
        .set({
          status: 'failed',
          locked_until: null,
          locked_by: null,
          last_error: lastError,
          updated_at: nowIso,
        })
        .execute();
      return;
    }
    const runAt = (
      failure instanceof RetryJobLater
        ? failure.retryAt
        : new Date(this.clock.now().getTime() + retryDelayMs(job.attempts))
    ).toISOString();
    await mine
      .set({
        status: 'pending',
        run_at: runAt,
        locked_until: null,
        locked_by: null,
        last_error: lastError,
        updated_at: nowIso,
      })
      .execute();
  }
}

/** `code: message`, truncated: enough to debug, short enough that a stray payload cannot flood the table. */
function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`;
    return text.slice(0, LAST_ERROR_MAX_CHARS);
  }
  return String(error).slice(0, LAST_ERROR_MAX_CHARS);
}

/** A pid that answers signal 0 exists (EPERM: it exists but is another user's). */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
