/** Builds the idv-server hono app and its services (database, blobs, queue, outbox) without listening. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { LIVENESS_FRAME_MAX_BYTES } from '../shared/api/liveness.js';
import type { BlobStore } from './blobs/blob-store.js';
import { openBlobStore } from './blobs/open-blob-store.js';
import { type Clock, systemClock } from './clock.js';
import { loadConfig, type ServerConfig } from './config.js';
import type { AppEnv, ServerContext } from './context.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import type { IdvDatabase } from './db/schema.js';
import { ApiError } from './errors.js';
import type { LivenessOptions } from './liveness/liveness-options.js';
import { requeueStrandedExecutions, sweepExpiredExecutions } from './executions/expiry.js';
import { JOB_PROCESS_EXECUTION, processExecution } from './executions/processing-job.js';
import { REQUEST_RATE_LIMITS, rateLimitBy } from './auth/rate-limit.js';
import { clientAddress } from './http/client-address.js';
import { widgetCors } from './http/cors.js';
import { errorResponse } from './http/errors.js';
import { HttpMetrics } from './http/metrics.js';
import { registerPlainRoutes } from './http/openapi-plain-routes.js';
import { newRouter } from './http/router.js';
import { createLogger } from './logger.js';
import { type HostResolver, JobQueue, WebhookOutbox } from './queue/index.js';
import { JOB_PURGE_AND_RETENTION, JOB_SWEEP_EXPIRED, purgeAndApplyRetention } from './queue/maintenance.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { credentialRoutes } from './routes/credentials.js';
import { type DemoClientCredentials, demoRoutes, seedDemoClient } from './routes/demo.js';
import { handoffRoutes } from './routes/handoff.js';
import { hostedRoutes } from './routes/hosted.js';
import { idProofingRoutes } from './routes/idproofing.js';
import { kycRoutes } from './kyc/routes.js';
import { livenessRoutes } from './routes/liveness.js';
import { oauthRoutes } from './routes/oauth.js';
import { opsRoutes, packageVersion } from './routes/ops.js';
import { sessionRoutes } from './routes/session.js';
import { staticRoutes } from './routes/static-files.js';

/** Uploads are capped a little above the 15 MB image limit so the server never buffers more. */
export const UPLOAD_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/** JSON bodies are small; anything bigger is refused before parsing. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;
/** Periodic work, enqueued on the shared queue once per time slot (a dedupe key): one node runs each slot. */
const PERIODIC_JOBS: Array<{ kind: string; everyMs: number }> = [
  { kind: JOB_SWEEP_EXPIRED, everyMs: 30_000 },
  { kind: JOB_PURGE_AND_RETENTION, everyMs: 3_600_000 },
];

export interface CreateAppOptions {
  config?: ServerConfig;
  clock?: Clock;
  /** An already-open database (tests pass their SQLite/PostgreSQL handle); otherwise opened from config. */
  // biome-ignore lint/suspicious/noExplicitAny: accepts whatever handle the caller's driver gives
  db?: Kysely<any>;
  blobs?: BlobStore;
  logger?: Logger;
  /** Mount `POST /demo/api/verifications`. */
  demo?: boolean;
  /** Outbox HTTP client (tests may intercept; the callback URL policy still applies). */
  fetch?: typeof fetch;
  /** DNS lookup of callback hosts (tests without DNS pass their own). */
  resolveCallbackHost?: HostResolver;
  /** Liveness challenge options over the defaults and `IDV_LIVENESS_ACTIONS` (tests pin the action draw). */
  liveness?: Partial<LivenessOptions>;
}

export interface IdvApp {
  app: OpenAPIHono<AppEnv>;
  ctx: ServerContext;
  /** Runs the sweeps, due jobs and due webhook deliveries once (tests drive time with a ManualClock). */
  runDueWork(): Promise<{ jobs: number; webhooks: number; expired: number }>;
  seedDemoClient(): Promise<DemoClientCredentials>;
  /**
   * At start, before background work: this node's jobs from a process that died are due again at once, and blob
   * writes that died half-way are removed. Returns what was recovered.
   */
  recoverAfterRestart(): Promise<{ jobs: number; temporaryBlobs: number }>;
  startBackground(): void;
  /** Stops polling, waits for handlers in flight (at most `timeoutMs`), hands back unfinished claims. */
  stopBackground(opts?: { timeoutMs?: number }): Promise<void>;
  /** Stops background work and closes the database (and blob store) if this app opened it. */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

function isUpload(method: string, path: string): boolean {
  // A single part, or a document's pages without a classifier.
  return (method === 'POST' || method === 'PUT') && /\/credentials\/[^/]+\/parts(\/[^/]+)?$/.test(path);
}

function isLivenessFrame(method: string, path: string): boolean {
  return method === 'POST' && /\/session\/liveness\/[^/]+\/frames$/.test(path);
}

/** KYC API SDK steps that carry images: an image add, or a liveness session's frames in one request. */
function isKycUpload(method: string, path: string): boolean {
  return method === 'POST' && /^\/kyc\/v2\/(idv|ida)\/sdk\/([a-z]+-image\/add|liveness\/process)$/.test(path);
}

/** A liveness frame is ≤ 80 KB; the multipart envelope and the JSON meta fit in the rest. */
const LIVENESS_FRAME_BODY_LIMIT_BYTES = LIVENESS_FRAME_MAX_BYTES + 16 * 1024;

export async function createApp(options: CreateAppOptions = {}): Promise<IdvApp> {
  const config = options.config ?? loadConfig();
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const ownsDb = !options.db;
  const db = (options.db ?? openDatabase(config)) as IdvDatabase;
  await migrateToLatest(db);
  const ownsBlobs = !options.blobs;
  const blobs = options.blobs ?? (await openBlobStore(config));
  const queue = new JobQueue({
    db,
    clock,
    nodeId: config.nodeId,
    lockMs: config.jobLeaseMs,
    onError: (error, job) => logger.error({ err: error, job }, 'job failed'),
  });
  const outbox = new WebhookOutbox({
    db,
    clock,
    queue,
    secretFor: async (clientId) =>
      (
        await db
          .selectFrom('clients')
          .select(['webhook_secret'])
          .where('id', '=', clientId)
          .executeTakeFirst()
      )?.webhook_secret,
    onAttempt: (event) => logger.info({ webhook: event }, 'webhook attempt'),
    onError: (error) => logger.error({ err: error }, 'webhook outbox poll failed'),
    callbackPolicy: config.callbackPolicy,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.resolveCallbackHost ? { resolveHost: options.resolveCallbackHost } : {}),
    ...(config.webhookRetryScheduleMs ? { retryScheduleMs: config.webhookRetryScheduleMs } : {}),
  });
  const ctx: ServerContext = { config, db, blobs, clock, queue, outbox, logger };
  const metrics = new HttpMetrics();
  const jobHandlers = {
    [JOB_PROCESS_EXECUTION]: (payload: { executionId: string }) => processExecution(ctx, payload.executionId),
    [JOB_SWEEP_EXPIRED]: async () => {
      await sweepExpiredExecutions(ctx);
      await requeueStrandedExecutions(ctx);
    },
    [JOB_PURGE_AND_RETENTION]: async () => {
      await purgeAndApplyRetention(ctx);
    },
  };

  const app = newRouter();
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routePath(c, -1);
    metrics.observe(c.req.method, route, c.res.status, seconds);
    // Route pattern only: paths and query strings can carry ids and tokens. A 5xx is logged as an error so it shows
    // at any log level (the e2e suite greps server logs for them).
    logger[c.res.status >= 500 ? 'error' : 'info'](
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        route,
        status: c.res.status,
        ms: Math.round(seconds * 1000),
      },
      'request',
    );
  });
  // Before the body limits so preflights and error answers carry CORS headers too.
  const crossOrigin = widgetCors(ctx);
  app.use('/api/*', crossOrigin);
  app.use('/kyc/*', crossOrigin);
  const tooLarge = (code: 'IMAGE_TOO_LARGE' | 'PAYLOAD_TOO_LARGE', limit: number) => () => {
    throw new ApiError(413, code, `Body exceeds ${Math.round(limit / 1024)} KiB`);
  };
  const uploadLimit = bodyLimit({
    maxSize: UPLOAD_BODY_LIMIT_BYTES,
    onError: tooLarge('IMAGE_TOO_LARGE', UPLOAD_BODY_LIMIT_BYTES),
  });
  const jsonLimit = bodyLimit({
    maxSize: JSON_BODY_LIMIT_BYTES,
    onError: tooLarge('PAYLOAD_TOO_LARGE', JSON_BODY_LIMIT_BYTES),
  });
  const frameLimit = bodyLimit({
    maxSize: LIVENESS_FRAME_BODY_LIMIT_BYTES,
    onError: tooLarge('IMAGE_TOO_LARGE', LIVENESS_FRAME_BODY_LIMIT_BYTES),
  });
  for (const prefix of ['/api/*', '/oauth2/*', '/demo/api/*', '/admin/*', '/kyc/*']) {
    app.use(prefix, (c, next) =>
      isUpload(c.req.method, c.req.path) || isKycUpload(c.req.method, c.req.path)
        ? uploadLimit(c, next)
        : isLivenessFrame(c.req.method, c.req.path)
          ? frameLimit(c, next)
          : jsonLimit(c, next),
    );
  }
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
  });
  // Database-backed limits (auth/rate-limit.ts), so they hold whichever node a request lands on.
  app.use(
    '/api/*',
    rateLimitBy(db, clock, 'upload-execution', REQUEST_RATE_LIMITS.uploadsPerExecution, (c) =>
      isUpload(c.req.method, c.req.path)
        ? /\/workflow-executions\/([^/]+)\//.exec(c.req.path)?.[1]
        : undefined,
    ),
  );
  app.use(
    '/web/v1/handoff/*',
    rateLimitBy(db, clock, 'handoff-address', REQUEST_RATE_LIMITS.handoffRedeemPerAddress, (c) =>
      c.req.method === 'GET' ? clientAddress(c, ctx) : undefined,
    ),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'OAuth access token (server-to-server) or workflow token (widget), depending on the route',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'basicAuth', { type: 'http', scheme: 'basic' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'clientIdHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'client-id',
    description: 'KYC API SDK steps: the client id, with the session token as Bearer',
  });
  registerPlainRoutes(app.openAPIRegistry);
  app.route('/', oauthRoutes(ctx));
  app.route('/', accountRoutes(ctx, metrics));
  app.route('/', idProofingRoutes(ctx));
  app.route('/', sessionRoutes(ctx));
  app.route('/', credentialRoutes(ctx));
  app.route('/', livenessRoutes(ctx, options.liveness));
  app.route('/', handoffRoutes(ctx));
  app.route('/', hostedRoutes(ctx));
  app.route('/', opsRoutes(ctx, metrics));
  app.route('/', kycRoutes(ctx, metrics, options.liveness));
  if (options.demo) app.route('/', demoRoutes(ctx));
  if (config.adminToken) app.route('/', adminRoutes(ctx, config.adminToken));
  app.route('/', staticRoutes(ctx));
  app.doc31('/openapi.json', () => ({
    openapi: '3.1.0',
    info: {
      title: 'idv-server',
      version: packageVersion(config.staticRoot),
      description: 'Identity-verification capture backend: accounts, widget session, uploads, retrieval.',
    },
    servers: [{ url: config.publicUrl }],
  }));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'Not found' } }, 404));
  app.onError((error, c) => errorResponse(error, c, logger));

  let scheduleTimer: NodeJS.Timeout | undefined;
  const schedulePeriodic = async () => {
    const now = clock.now().getTime();
    for (const { kind, everyMs } of PERIODIC_JOBS) {
      const slot = Math.floor(now / everyMs);
      await queue.enqueue(kind, {}, { dedupeKey: `${kind}:${slot}`, runAt: new Date(slot * everyMs) });
    }
  };
  const schedule = () =>
    schedulePeriodic().catch((error: unknown) =>
      logger.error({ err: error }, 'scheduling periodic jobs failed'),
    );

  const stopBackground = async (opts: { timeoutMs?: number } = {}) => {
    if (scheduleTimer) clearInterval(scheduleTimer);
    scheduleTimer = undefined;
    // Handlers in flight finish (bounded); what this process still holds is handed back to the other nodes.
    await queue.stop(opts);
  };
  return {
    app,
    ctx,
    async runDueWork() {
      const expired = await sweepExpiredExecutions(ctx);
      await requeueStrandedExecutions(ctx);
      const jobs = await queue.runDue(jobHandlers);
      const webhooks = await outbox.deliverDue();
      return { jobs, webhooks, expired };
    },
    seedDemoClient: () => seedDemoClient(ctx),
    async recoverAfterRestart() {
      const jobs = await queue.reclaimOwnDead();
      // A temporary file older than the longest request cannot belong to a write in flight.
      const temporaryBlobs = (await blobs.sweepTemporary?.(2 * config.requestTimeoutMs)) ?? 0;
      if (jobs > 0 || temporaryBlobs > 0) logger.info({ jobs, temporaryBlobs }, 'recovered after restart');
      return { jobs, temporaryBlobs };
    },
    startBackground() {
      // Processing is CPU-bound: one job at a time per node; deliveries wait on the network: several at once.
      queue.start(jobHandlers, { pollMs: config.pollMs });
      outbox.start({ pollMs: config.pollMs });
      void schedule();
      scheduleTimer = setInterval(schedule, 10_000);
      scheduleTimer.unref();
    },
    stopBackground,
    async close(opts = {}) {
      await stopBackground(opts);
      // The OCR worker thread (started by the first processed document) would keep the process alive.
      const { closeDocumentReaders } = await import('./documents/index.js');
      await closeDocumentReaders();
      if (ownsDb) await db.destroy();
      if (ownsBlobs) blobs.close?.();
    },
  };
}
