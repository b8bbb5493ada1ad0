/**
 * Durable job queue on the main database (SQLite or PostgreSQL), safe with several server processes.
 *
 * A job is claimed with a conditional UPDATE (`… where id = ? and <still claimable>`): whichever process's update
 * matches the row owns it, the others see 0 rows and move on. The claim sets `locked_until`; a process that dies
 * mid-job leaves a `running` row whose lock expires, after which any process claims it again (at-least-once:
 * handlers must be idempotent). Failed handlers are retried with exponential backoff until `maxAttempts`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { QueueTables } from './migrations.js';
import { Poller } from './poller.js';

// biome-ignore lint/suspicious/noExplicitAny: each handler knows the payload shape of its own kind
export type JobHandlers = Record<string, (payload: any) => Promise<void>>;

export interface JobQueueOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the queue only touches its own tables
  db: Kysely<any>;
  clock: Clock;
  /** Attempts before a job is marked `failed` (default 8). */
  maxAttempts?: number;
  /** How long a claim holds a job; a handler must finish within it or another process may run it (default 5 min). */
  lockMs?: number;
  /** Delay before retry number `attempt` (1-based). Default: 5 s doubling, capped at 1 h, ±20% jitter. */
  retryDelayMs?: (attempt: number) => number;
  /** This node's name (`IDV_NODE_ID`); claims carry it so a restarted node can reclaim its own dead jobs. */
  nodeId?: string;
  /** Called for handler failures and poll errors; receives the job kind and id, never the payload. */
  onError?: (error: unknown, job?: { id: string; kind: string; attempts: number }) => void;
}

/** Jobs claimed per database round trip. */
const CLAIM_BATCH = 20;
/** Bound on one `runDue` so a handler that keeps enqueuing due jobs cannot pin a poll forever. */
const MAX_JOBS_PER_RUN = 500;
const LAST_ERROR_MAX_CHARS = 500;

export function defaultJobRetryDelayMs(attempt: number): number {
  const base = Math.min(5_000 * 2 ** (attempt - 1), 3_600_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export class JobQueue {
  private readonly db: Kysely<QueueTables>;
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly lockMs: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly onError: NonNullable<JobQueueOptions['onError']>;
  private poller: Poller | undefined;
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
    this.lockMs = opts.lockMs ?? 5 * 60_000;
    this.retryDelayMs = opts.retryDelayMs ?? defaultJobRetryDelayMs;
    this.onError = opts.onError ?? (() => {});
  }

  /**
   * Adds a job; returns its id. With `dedupeKey`, a second enqueue with the same key (ever, whatever the first
   * job's status) adds nothing and returns the first job's id.
   */
  async enqueue(
    kind: string,
    payload: unknown,
    opts: { runAt?: Date; dedupeKey?: string } = {},
  ): Promise<string> {
    const now = this.clock.now().toISOString();
    const id = `job_${randomUUID()}`;
    await this.db
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
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('dedupe_key', '=', opts.dedupeKey)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * At start: jobs this node claimed in an earlier life (same node name, a process that is gone) are due again now,
   * instead of after their lock expires (5 min). Other nodes' claims are left to expire: their process may be alive.
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

  /** Polls every `pollMs` (default 1 s) and runs due jobs of the given kinds. */
  start(handlers: JobHandlers, opts: { pollMs?: number } = {}): void {
    if (this.poller?.running) return;
    this.stopping = false;
    this.poller = new Poller(
      () => this.drain(handlers, () => !this.stopping),
      (error) => this.onError(error),
    );
    this.poller.start(opts.pollMs ?? 1_000);
  }

  /** Stops polling and waits for the handler in flight; jobs not yet claimed stay pending for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.poller?.stop();
  }

  /** Claims and runs every job that is due now and has a handler here; returns how many ran (ok or not). */
  runDue(handlers: JobHandlers): Promise<number> {
    return this.drain(handlers, () => true);
  }

  /** `proceed` is checked between jobs, so `stop()` ends a background run after the handler in flight. */
  private async drain(handlers: JobHandlers, proceed: () => boolean): Promise<number> {
    const kinds = Object.keys(handlers);
    if (kinds.length === 0) return 0;
    let ran = 0;
    await this.failAbandoned();
    while (ran < MAX_JOBS_PER_RUN && proceed()) {
      const candidates = await this.dueJobs(kinds);
      if (candidates.length === 0) break;
      let claimedAny = false;
      for (const candidate of candidates) {
        if (!proceed() || ran >= MAX_JOBS_PER_RUN) break;
        const lockToken = await this.claim(candidate.id);
        if (!lockToken) continue;
        claimedAny = true;
        ran++;
        await this.runClaimed(candidate.id, lockToken, handlers);
      }
      // Every candidate was taken by another process: stop rather than spin on the same rows.
      if (!claimedAny) break;
    }
    return ran;
  }

  /**
   * A job whose lock expired after its last allowed attempt most likely crashes its worker (poison job): fail it
   * instead of handing it to the next process.
   */
  private async failAbandoned(): Promise<void> {
    const nowIso = this.clock.now().toISOString();
    await this.db
      .updateTable('jobs')
      .set({
        status: 'failed',
        locked_until: null,
        locked_by: null,
        last_error: 'LOCK_EXPIRED',
        updated_at: nowIso,
      })
      .where('status', '=', 'running')
      .where('locked_until', '<=', nowIso)
      .where('attempts', '>=', this.maxAttempts)
      .execute();
  }

  /** Due and pending, or abandoned by a dead worker (lock expired) with attempts left. */
  private claimable(eb: ExpressionBuilder<QueueTables, 'jobs'>, nowIso: string) {
    return eb.or([
      eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', nowIso)]),
      eb.and([
        eb('status', '=', 'running'),
        eb('locked_until', '<=', nowIso),
        eb('attempts', '<', this.maxAttempts),
      ]),
    ]);
  }

  private async dueJobs(kinds: string[]): Promise<Array<{ id: string }>> {
    const now = this.clock.now().toISOString();
    return this.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', kinds)
      .where((eb) => this.claimable(eb, now))
      .orderBy('run_at')
      .limit(CLAIM_BATCH)
      .execute();
  }

  /** Atomically takes the job if it is still claimable; returns the lock token, or undefined if someone else won. */
  private async claim(id: string): Promise<string | undefined> {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const lockToken = `${this.processPrefix}${randomUUID().replaceAll('-', '')}`;
    const result = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        attempts: eb('attempts', '+', 1),
        locked_until: new Date(now.getTime() + this.lockMs).toISOString(),
        locked_by: lockToken,
        updated_at: nowIso,
      }))
      .where('id', '=', id)
      .where((eb) => this.claimable(eb, nowIso))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? lockToken : undefined;
  }

  private async runClaimed(id: string, lockToken: string, handlers: JobHandlers): Promise<void> {
    const job = await this.db
      .selectFrom('jobs')
      .select(['kind', 'payload', 'attempts'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    let failure: unknown;
    try {
      await handlers[job.kind]!(JSON.parse(job.payload));
    } catch (error) {
      failure = error ?? new Error('job handler rejected without a reason');
    }
    const nowIso = this.clock.now().toISOString();
    const mine = this.db.updateTable('jobs').where('id', '=', id).where('locked_by', '=', lockToken);
    if (failure === undefined) {
      await mine
        .set({ status: 'done', locked_until: null, locked_by: null, last_error: null, updated_at: nowIso })
        .execute();
      return;
    }
    this.onError(failure, { id, kind: job.kind, attempts: job.attempts });
    const lastError = describeError(failure);
    if (job.attempts >= this.maxAttempts) {
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
    const runAt = new Date(this.clock.now().getTime() + this.retryDelayMs(job.attempts)).toISOString();
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
