/** Operations: liveness, readiness (database + blob store), health, version, Prometheus metrics. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRoute } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { HealthResponse, ReadinessResponse, VersionResponse } from '../../shared/api/index.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { bearerToken } from '../auth/bearer.js';
import type { HttpMetrics } from '../http/metrics.js';
import { jsonResponse } from '../http/openapi-helpers.js';
import { newRouter } from '../http/router.js';
import { queueMetrics } from '../queue/maintenance.js';

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['operations'],
  summary: 'Health with database and blob store checks',
  responses: {
    200: jsonResponse(HealthResponse, 'Healthy'),
    503: jsonResponse(HealthResponse, 'A check fails'),
  },
});
const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: database and blob store reachable',
  responses: {
    200: jsonResponse(ReadinessResponse, 'Ready'),
    503: jsonResponse(ReadinessResponse, 'Not ready'),
  },
});
const versionRoute = createRoute({
  method: 'get',
  path: '/version',
  tags: ['operations'],
  summary: 'Server name and version',
  responses: { 200: jsonResponse(VersionResponse, 'Version') },
});

type CheckResult = 'ok' | 'failing';

/** One dependency's answer: its status and how long it took to answer (or to fail). */
export interface DependencyCheck {
  status: CheckResult;
  latencyMs: number;
}

async function timedCheck(
  ctx: ServerContext,
  name: string,
  probe: () => Promise<unknown>,
): Promise<DependencyCheck> {
  const started = performance.now();
  const status = await probe()
    .then((): CheckResult => 'ok')
    .catch((error: unknown): CheckResult => {
      ctx.logger.warn({ err: error }, `${name} check failed`);
      return 'failing';
    });
  return { status, latencyMs: Math.round(performance.now() - started) };
}

/** The database and the blob store, checked at once (shared by /readyz, /health and the KYC API's health). */
export async function dependencyChecks(
  ctx: ServerContext,
): Promise<Record<'database' | 'blobStore', DependencyCheck>> {
  const [database, blobStore] = await Promise.all([
    timedCheck(ctx, 'database', () => sql`select 1`.execute(ctx.db)),
    timedCheck(ctx, 'blob store', () => ctx.blobs.check()),
  ]);
  return { database, blobStore };
}

async function runChecks(ctx: ServerContext): Promise<Record<'database' | 'blobStore', CheckResult>> {
  const { database, blobStore } = await dependencyChecks(ctx);
  return { database: database.status, blobStore: blobStore.status };
}

export function packageVersion(staticRoot: string): string {
  try {
    return (JSON.parse(readFileSync(join(staticRoot, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

export function opsRoutes(ctx: ServerContext, metrics: HttpMetrics) {
  const router = newRouter();
  const version = packageVersion(ctx.config.staticRoot);
  const startedAt = Date.now();
  router.get('/ping', (c) => c.text('pong'));
  router.get('/livez', (c) => c.json({ status: 'ok' }));
  router.openapi(readyRoute, async (c) => {
    const checks = await runChecks(ctx);
    if (!ctx.draining && Object.values(checks).every((check) => check === 'ok'))
      return c.json({ status: 'ok' as const, checks }, 200);
    return c.json({ status: 'unavailable' as const, checks }, 503);
  });
  router.openapi(healthRoute, async (c) => {
    const checks = await runChecks(ctx);
    const uptimeSeconds = Math.round((Date.now() - startedAt) / 1000);
    if (Object.values(checks).every((check) => check === 'ok')) {
      return c.json({ status: 'ok' as const, checks, version, uptimeSeconds }, 200);
    }
    return c.json({ status: 'failing' as const, checks, version, uptimeSeconds }, 503);
  });
  router.openapi(versionRoute, (c) => c.json({ name: 'idv-server', version }, 200));
  router.get('/metrics', async (c) => {
    // Route names, counts and memory are not secrets, but an operator may keep them in: IDV_METRICS_TOKEN.
    assertMetricsAccess(ctx, c.req.header('authorization'));
    // Queue, delivery, retention and purge numbers come from the database: the same on every node.
    const cluster = await queueMetrics(ctx).catch((error: unknown) => {
      ctx.logger.warn({ err: error }, 'queue metrics failed');
      return '';
    });
    return c.body(`${metrics.render()}${cluster}`, 200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
    });
  });
  return router;
}

/** With `IDV_METRICS_TOKEN` set, metrics answer only to that Bearer token (401 otherwise). */
export function assertMetricsAccess(ctx: ServerContext, authorization: string | undefined): void {
  if (ctx.config.metricsToken && !sameSecret(bearerToken(authorization), ctx.config.metricsToken)) {
    throw new ApiError(401, 'UNAUTHORIZED', 'Bearer metrics token required');
  }
}

/** Constant-time comparison of a presented secret with the configured one (hashes first: equal lengths). */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
