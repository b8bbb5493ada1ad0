/**
 * Fixed-window rate limits stored in the database (one row per bucket), so a limit holds across every node of a
 * cluster (issue #18; #17 adds handoff codes and uploads, REQUEST_RATE_LIMITS below). One upsert per hit: the counter restarts when the
 * stored window is not the current one. A window boundary can let up to twice the limit through in a short burst;
 * that is the usual price of fixed windows and fine for abuse control.
 */
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { IdvDatabase } from '../db/schema.js';

export interface RateLimit {
  /** Hits allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  count: number;
  /** Seconds until the window ends (for `Retry-After`). */
  retryAfterSeconds: number;
}

/** Buckets keep caller-supplied keys (client ids, addresses) short and uniform: a hash, never the raw value. */
export function rateLimitBucket(purpose: string, key: string): string {
  return `${purpose}:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}

export async function hitRateLimit(
  db: IdvDatabase,
  bucket: string,
  rule: RateLimit,
  now: Date,
): Promise<RateLimitResult> {
  const start = Math.floor(now.getTime() / rule.windowMs) * rule.windowMs;
  const windowStart = new Date(start).toISOString();
  const row = await db
    .insertInto('rate_limits')
    .values({ bucket, window_start: windowStart, count: 1 })
    .onConflict((oc) =>
      oc.column('bucket').doUpdateSet((eb) => ({
        count: eb
          .case()
          .when('rate_limits.window_start', '=', windowStart)
          .then(eb('rate_limits.count', '+', 1))
          .else(1)
          .end(),
        window_start: windowStart,
      })),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  const count = Number(row.count);
  return {
    allowed: count <= rule.limit,
    count,
    retryAfterSeconds: Math.max(1, Math.ceil((start + rule.windowMs - now.getTime()) / 1000)),
  };
}

/** Drops counters of windows that ended long ago (called now and then; the table stays small). */
export async function forgetOldRateLimits(db: IdvDatabase, olderThan: Date): Promise<void> {
  await db.deleteFrom('rate_limits').where('window_start', '<', olderThan.toISOString()).execute();
}

/**
 * Limits for the other abuse surfaces, counted in the same table so they hold across nodes:
 *
 * - handoff redemption, per client address: a handoff code is short-lived and single-use, but an address trying
 *   codes by the hundred is guessing them. A person redeems one code per verification, a few after mistakes; 30 a
 *   minute leaves room for an office behind one NAT address.
 * - uploads, per execution: an execution has at most 6 parts (front, back, selfie, …) and the widget retakes a part
 *   a handful of times at most; 60 uploads in 10 minutes is ten full retakes, far above any honest flow, and bounds
 *   the storage and hashing one leaked workflow token can cost.
 */
export const REQUEST_RATE_LIMITS = {
  handoffRedeemPerAddress: { limit: 30, windowMs: 60_000 },
  uploadsPerExecution: { limit: 60, windowMs: 600_000 },
} as const satisfies Record<string, RateLimit>;

/**
 * Middleware: one hit on `purpose`'s bucket for the key `keyOf` returns (no key: not limited); past the limit the
 * request ends with 429 `RATE_LIMITED` and a `Retry-After` header before its handler (or body parsing) runs.
 */
export function rateLimitBy(
  db: IdvDatabase,
  clock: { now(): Date },
  purpose: string,
  rule: RateLimit,
  keyOf: (c: Context) => string | undefined,
): MiddlewareHandler {
  return async (c, next) => {
    const key = keyOf(c);
    if (key === undefined) return next();
    const hit = await hitRateLimit(db, rateLimitBucket(purpose, key), rule, clock.now());
    if (!hit.allowed) {
      return c.json(
        {
          error: {
            code: 'RATE_LIMITED',
            message: 'Too many requests; retry later',
            issues: [{ retryAfterSeconds: hit.retryAfterSeconds }],
          },
        },
        429,
        { 'Retry-After': String(hit.retryAfterSeconds) },
      );
    }
    return next();
  };
}
