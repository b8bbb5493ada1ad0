/**
 * The KYC API's utility operations (issue #16): root, ping, status, system metrics, the three health probes, health
 * with checks, version. No authentication (a load balancer and an orchestrator call them), except system metrics,
 * which honours `IDV_METRICS_TOKEN` as `/metrics` does. The database and blob store checks are the ones `/readyz`
 * and `/health` run (routes/ops.ts); nothing here reads personal data.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createRoute } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { loadavg } from 'node:os';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { humanModelDirectory } from '../faces/face-models.js';
import type { HttpMetrics } from '../http/metrics.js';
import { errorResponses, jsonResponse } from '../http/openapi-helpers.js';
import { newRouter } from '../http/router.js';
import type { QueueTables } from '../queue/migrations.js';
import { assertMetricsAccess, dependencyChecks, packageVersion } from '../routes/ops.js';

/** The version of the KYC API document these operations follow. */
export const KYC_API_VERSION = '2.10.15';

const TAGS = ['kyc: utility'];
const CheckStatus = z.enum(['ok', 'failing']);

const KycRoot = z
  .object({
    name: z.literal('idv-server'),
    api: z.literal('kyc'),
    api_version: z.string(),
    version: z.string(),
    docs: z.string(),
  })
  .meta({ id: 'KycRoot' });
const KycPing = z.object({ ping: z.literal('pong'), timestamp: z.string() }).meta({ id: 'KycPing' });
const KycStatus = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    started_at: z.string(),
    uptime_seconds: z.number().int(),
  })
  .meta({ id: 'KycStatus' });
const KycSystemMetrics = z
  .object({
    uptime_seconds: z.number().int(),
    memory: z.object({
      rss_bytes: z.number().int(),
      heap_used_bytes: z.number().int(),
      heap_total_bytes: z.number().int(),
      external_bytes: z.number().int(),
    }),
    cpu: z.object({
      user_us: z.number().int(),
      system_us: z.number().int(),
      load_average: z.array(z.number()).length(3),
    }),
    queue: z.object({ pending: z.number().int(), running: z.number().int(), failed: z.number().int() }),
    webhooks: z.object({
      pending: z.number().int(),
      delivered: z.number().int(),
      failed: z.number().int(),
    }),
    sessions: z.object({ total: z.number().int(), processed: z.number().int() }),
  })
  .meta({ id: 'KycSystemMetrics' });
const KycProbe = z.object({ status: z.literal('ok') }).meta({ id: 'KycProbe' });
const KycReadiness = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.object({ database: CheckStatus, blob_store: CheckStatus }),
  })
  .meta({ id: 'KycReadiness' });
const TimedCheck = z.object({ status: CheckStatus, latency_ms: z.number().int() });
const KycHealth = z
  .object({
    status: z.enum(['ok', 'failing']),
    version: z.string(),
    checks: z.object({
      database: TimedCheck,
      blob_store: TimedCheck,
      queue: z.object({
        status: CheckStatus,
        pending: z.number().int().nullable(),
        oldest_pending_age_seconds: z.number().int().nullable(),
      }),
      face_models: z.object({ status: CheckStatus, detail: z.string() }),
    }),
  })
  .meta({ id: 'KycHealth' });
const KycVersion = z
  .object({ name: z.literal('idv-server'), version: z.string(), api_version: z.string() })
  .meta({ id: 'KycVersion' });

const get = <T extends z.ZodType>(path: string, summary: string, schema: T, description: string) =>
  createRoute({
    method: 'get',
    path: `/kyc/v2${path}`,
    tags: TAGS,
    summary,
    responses: { 200: jsonResponse(schema, description) },
  });

const rootRoute = get('', 'API root: name and versions', KycRoot, 'The API');
const pingRoute = get('/ping', 'Ping', KycPing, 'Pong, with the server time');
const statusRoute = get('/status', 'Service status and uptime', KycStatus, 'Status');
const livenessRoute = get('/health/liveness', 'Liveness probe (the process answers)', KycProbe, 'Alive');
const simpleRoute = get('/health/simple', 'Simple health (the process answers)', KycProbe, 'Up');
const versionRoute = get('/version', 'Server and API version', KycVersion, 'Versions');
const metricsRoute = createRoute({
  method: 'get',
  path: '/kyc/v2/system/metrics',
  tags: TAGS,
  summary: 'Process, queue, webhook and session numbers (Bearer IDV_METRICS_TOKEN when set)',
  responses: { 200: jsonResponse(KycSystemMetrics, 'Metrics'), ...errorResponses(401) },
});
const readinessRoute = createRoute({
  method: 'get',
  path: '/kyc/v2/health/readiness',
  tags: TAGS,
  summary: 'Readiness: database and blob store reachable, not draining',
  responses: {
    200: jsonResponse(KycReadiness, 'Ready'),
    503: jsonResponse(KycReadiness, 'Not ready'),
  },
});
const healthRoute = createRoute({
  method: 'get',
  path: '/kyc/v2/health',
  tags: TAGS,
  summary: 'Health with checks of the database, blob store, queue and face models',
  responses: {
    200: jsonResponse(KycHealth, 'Healthy'),
    503: jsonResponse(KycHealth, 'A check fails'),
  },
});

/** The server's face models (@vladmandic/human) that decisions need; their files ship in the npm package. */
const FACE_MODEL_FILES = ['blazeface', 'facemesh', 'iris', 'faceres', 'antispoof', 'liveness'].flatMap(
  (model) => [`${model}.json`, `${model}.bin`],
);

/**
 * The face models are loaded lazily in worker threads; loading them here would cost a probe seconds and ~200 MB,
 * so the check is that every model file is on disk (a broken install is what it catches).
 */
async function faceModelsCheck(): Promise<{ status: 'ok' | 'failing'; detail: string }> {
  try {
    const directory = humanModelDirectory();
    const missing: string[] = [];
    for (const file of FACE_MODEL_FILES) {
      await access(join(directory, file)).catch(() => missing.push(file));
    }
    if (missing.length > 0)
      return { status: 'failing', detail: `missing model files: ${missing.join(', ')}` };
    return { status: 'ok', detail: `${FACE_MODEL_FILES.length / 2} models on disk, loaded on first use` };
  } catch {
    return { status: 'failing', detail: 'face model package not found' };
  }
}

/** Jobs waiting to run: how many are due and how long the oldest due one has waited. */
async function queueCheck(ctx: ServerContext) {
  try {
    const db = ctx.db as unknown as Kysely<QueueTables>;
    const now = ctx.clock.now();
    const due = await db
      .selectFrom('jobs')
      .select([(eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.min('run_at').as('oldest')])
      .where('status', '=', 'pending')
      .where('run_at', '<=', now.toISOString())
      .executeTakeFirst();
    const oldest = due?.oldest ? Date.parse(String(due.oldest)) : undefined;
    return {
      status: 'ok' as const,
      pending: Number(due?.n ?? 0),
      oldest_pending_age_seconds:
        oldest === undefined ? 0 : Math.max(0, Math.round((now.getTime() - oldest) / 1000)),
    };
  } catch (error) {
    ctx.logger.warn({ err: error }, 'queue check failed');
    return { status: 'failing' as const, pending: null, oldest_pending_age_seconds: null };
  }
}

async function countsByStatus(
  ctx: ServerContext,
  table: 'jobs' | 'webhook_deliveries',
): Promise<Record<string, number>> {
  const db = ctx.db as unknown as Kysely<QueueTables>;
  const rows = await db
    .selectFrom(table)
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

export function utilityRoutes(ctx: ServerContext, _metrics: HttpMetrics) {
  const router = newRouter();
  const version = packageVersion(ctx.config.staticRoot);
  const startedAt = ctx.clock.now();
  const uptimeSeconds = () =>
    Math.max(0, Math.round((ctx.clock.now().getTime() - startedAt.getTime()) / 1000));

  router.openapi(rootRoute, (c) =>
    c.json(
      {
        name: 'idv-server' as const,
        api: 'kyc' as const,
        api_version: KYC_API_VERSION,
        version,
        docs: '/openapi.json',
      },
      200,
    ),
  );
  router.openapi(pingRoute, (c) =>
    c.json({ ping: 'pong' as const, timestamp: ctx.clock.now().toISOString() }, 200),
  );
  router.openapi(statusRoute, async (c) => {
    const checks = await dependencyChecks(ctx);
    const ok = !ctx.draining && checks.database.status === 'ok' && checks.blobStore.status === 'ok';
    return c.json(
      {
        status: ok ? ('ok' as const) : ('degraded' as const),
        version,
        started_at: startedAt.toISOString(),
        uptime_seconds: uptimeSeconds(),
      },
      200,
    );
  });
  router.openapi(metricsRoute, async (c) => {
    assertMetricsAccess(ctx, c.req.header('authorization'));
    const [jobs, deliveries, sessions] = await Promise.all([
      countsByStatus(ctx, 'jobs'),
      countsByStatus(ctx, 'webhook_deliveries'),
      ctx.db
        .selectFrom('workflow_executions')
        .select([
          (eb) => eb.fn.countAll<string>().as('total'),
          (eb) =>
            eb.fn.count<string>(eb.case().when('status', '=', 'PROCESSED').then(1).end()).as('processed'),
        ])
        .executeTakeFirst(),
    ]);
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return c.json(
      {
        uptime_seconds: uptimeSeconds(),
        memory: {
          rss_bytes: memory.rss,
          heap_used_bytes: memory.heapUsed,
          heap_total_bytes: memory.heapTotal,
          external_bytes: memory.external,
        },
        cpu: { user_us: cpu.user, system_us: cpu.system, load_average: loadavg() },
        queue: { pending: jobs.pending ?? 0, running: jobs.running ?? 0, failed: jobs.failed ?? 0 },
        webhooks: {
          pending: deliveries.pending ?? 0,
          delivered: deliveries.delivered ?? 0,
          failed: deliveries.failed ?? 0,
        },
        sessions: { total: Number(sessions?.total ?? 0), processed: Number(sessions?.processed ?? 0) },
      },
      200,
    );
  });
  router.openapi(livenessRoute, (c) => c.json({ status: 'ok' as const }, 200));
  router.openapi(simpleRoute, (c) => c.json({ status: 'ok' as const }, 200));
  router.openapi(readinessRoute, async (c) => {
    const { database, blobStore } = await dependencyChecks(ctx);
    const checks = { database: database.status, blob_store: blobStore.status };
    if (!ctx.draining && database.status === 'ok' && blobStore.status === 'ok')
      return c.json({ status: 'ok' as const, checks }, 200);
    return c.json({ status: 'unavailable' as const, checks }, 503);
  });
  router.openapi(healthRoute, async (c) => {
    const [{ database, blobStore }, queue, faceModels] = await Promise.all([
      dependencyChecks(ctx),
      queueCheck(ctx),
      faceModelsCheck(),
    ]);
    const checks = {
      database: { status: database.status, latency_ms: database.latencyMs },
      blob_store: { status: blobStore.status, latency_ms: blobStore.latencyMs },
      queue,
      face_models: faceModels,
    };
    if (Object.values(checks).every((check) => check.status === 'ok'))
      return c.json({ status: 'ok' as const, version, checks }, 200);
    return c.json({ status: 'failing' as const, version, checks }, 503);
  });
  router.openapi(versionRoute, (c) =>
    c.json({ name: 'idv-server' as const, version, api_version: KYC_API_VERSION }, 200),
  );
  return router;
}
