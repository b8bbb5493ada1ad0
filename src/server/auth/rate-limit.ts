/**
 * Fixed-window rate limits stored in the database (one row per bucket), so a limit holds across every node of a
 * cluster (issue #18; #17 reuses it for handoff codes and uploads). One upsert per hit: the counter restarts when the
 * stored window is not the current one. A window boundary can let up to twice the limit through in a short burst;
 * that is the usual price of fixed windows and fine for abuse control.
 */
import { createHash } from 'node:crypto';
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
