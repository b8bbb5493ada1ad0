/**
 * `idv-server serve [--demo]` | `idv-server client create | list | disable | rotate-secret | rotate-webhook-secret
 * | set-retention` | `idv-server migrate` (USAGE below has the arguments).
 * Configuration comes from the environment (see config.ts), the same for every command.
 */
import { parseArgs } from 'node:util';
import {
  ClientInputError,
  ClientNotFoundError,
  createClient,
  disableClient,
  listClients,
  rotateClientSecret,
  rotateWebhookSecret,
} from './auth/clients.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { createLogger } from './logger.js';
import { setRetentionDays } from './queue/maintenance.js';
import { startFaceAnalysisPool } from './faces/face-analysis.js';
import { startServer } from './server.js';

const USAGE = `Usage:
  idv-server serve [--demo]
  idv-server client create --name <name> --allowed-origin <origin> [--allowed-origin <origin>…] [--json]
  idv-server client list [--json]
  idv-server client disable <client-id>
  idv-server client rotate-secret <client-id> [--json]
  idv-server client rotate-webhook-secret <client-id> [--json]
  idv-server client set-retention <client-id> <days|off>
  idv-server migrate

Environment: PORT (8080), IDV_BIND_ADDRESS (all interfaces), IDV_DATA_DIR (./data), IDV_DATABASE_URL (postgres://…),
IDV_PUBLIC_URL, IDV_LOG_LEVEL (info), IDV_WEBHOOK_RETRY_SCHEDULE_MS (comma-separated ms), IDV_FACE_WORKERS (one per
core, ≤ 4), IDV_ALLOW_LOOPBACK_CALLBACKS (development), IDV_CALLBACK_ALLOWED_NETWORKS (CIDRs), IDV_METRICS_TOKEN,
IDV_ADMIN_TOKEN, IDV_REQUEST_TIMEOUT_MS (60000), IDV_HEADERS_TIMEOUT_MS (15000), IDV_MAX_CONNECTIONS (512),
IDV_TRUST_PROXY, IDV_NODE_ID (host name), IDV_POLL_MS (1000), IDV_JOB_LEASE_MS (60000), IDV_PURGE_AFTER_DAYS (30),
IDV_SHUTDOWN_TIMEOUT_MS (25000), IDV_S3_BUCKET + IDV_S3_ENDPOINT, IDV_S3_REGION (us-east-1), IDV_S3_FORCE_PATH_STYLE,
IDV_S3_ACCESS_KEY_ID, IDV_S3_SECRET_ACCESS_KEY, IDV_S3_KEY_PREFIX (blobs in S3-compatible storage)`;

class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { demo: { type: 'boolean', default: false } },
    strict: true,
  });
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Face analysis (liveness, face match) runs in a pool of worker threads, off the thread that answers requests;
  // the workers load and warm their models while the server starts listening (jobs queue until they are ready).
  startFaceAnalysisPool().catch((error: unknown) =>
    logger.error({ err: error }, 'face analysis pool failed to start'),
  );
  const server = await startServer({ config, logger, demo: values.demo });
  // OCR worker and barcode wasm ready before the first document instead of during it (≈ 0.6 s, in the background).
  void import('./documents/index.js')
    .then(({ prepareDocumentReaders }) => prepareDocumentReaders())
    .catch((error: unknown) => logger.warn({ err: error }, 'document readers did not warm up'));
  const base = server.idv.ctx.config.publicUrl;
  console.log(`idv-server listening on ${server.url}`);
  if (values.demo) {
    console.log(`  demo page:  ${base}/demo/`);
    console.log('  development: callbacks to loopback receivers allowed (--demo)');
  }
  console.log(`  health:     ${base}/health`);
  console.log(`  OpenAPI:    ${base}/openapi.json`);
  if (server.demoClient) {
    console.log(`  demo client id:     ${server.demoClient.id}`);
    console.log(`  demo client secret: ${server.demoClient.secret}`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function createClientCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      'allowed-origin': { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.name) throw new UsageError('--name is required');
  const config = loadConfig();
  const db = openDatabase(config);
  try {
    await migrateToLatest(db);
    const client = await createClient(db, {
      name: values.name,
      allowedOrigins: values['allowed-origin'] ?? [],
      now: systemClock.now(),
    });
    if (values.json) {
      console.log(
        JSON.stringify({
          clientId: client.id,
          clientSecret: client.secret,
          webhookSecret: client.webhookSecret,
          name: client.name,
          allowedOrigins: client.allowedOrigins,
        }),
      );
    } else {
      console.log(`client id:      ${client.id}`);
      console.log(`client secret:  ${client.secret}`);
      console.log(`webhook secret: ${client.webhookSecret}`);
      console.log(`allowed origins: ${client.allowedOrigins.join(', ') || '(none)'}`);
      console.log('Store the secrets now: they are not shown again.');
    }
  } finally {
    await db.destroy();
  }
}

/** Runs `work` on the migrated database of the configured server, then closes it. */
async function withDatabase<T>(work: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const db = openDatabase(loadConfig());
  try {
    await migrateToLatest(db);
    return await work(db);
  } finally {
    await db.destroy();
  }
}

async function clientCommand(action: string | undefined, args: string[]): Promise<void> {
  if (action === 'create') return createClientCommand(args);
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (action === 'list') {
    const clients = await withDatabase((db) => listClients(db));
    if (values.json) {
      console.log(JSON.stringify(clients));
      return;
    }
    for (const client of clients) {
      const state = client.disabledAt ? `disabled ${client.disabledAt}` : 'active';
      console.log(
        `${client.id}  ${state}  ${client.name}  ${client.allowedOrigins.join(', ') || '(no origins)'}`,
      );
    }
    return;
  }
  if (action === 'set-retention') {
    const [clientId, value] = positionals;
    const days = value === 'off' ? null : Number(value);
    if (!clientId || positionals.length !== 2 || (days !== null && !(Number.isInteger(days) && days > 0))) {
      throw new UsageError('client set-retention needs a client id and a number of days (or off)');
    }
    await withDatabase((db) => setRetentionDays(db, clientId, days));
    console.log(
      days === null
        ? `client ${clientId}: executions are kept until deleted`
        : `client ${clientId}: PII of executions older than ${days} days is deleted automatically`,
    );
    return;
  }
  const clientId = positionals[0];
  if (!clientId || positionals.length > 1) throw new UsageError(`client ${action ?? ''} needs one client id`);
  if (action === 'disable') {
    await withDatabase((db) => disableClient(db, clientId, systemClock.now()));
    console.log(`client ${clientId} disabled; its access tokens are revoked`);
    return;
  }
  if (action === 'rotate-secret') {
    const clientSecret = await withDatabase((db) => rotateClientSecret(db, clientId));
    if (values.json) console.log(JSON.stringify({ clientId, clientSecret }));
    else
      console.log(`client secret:  ${clientSecret}\nThe old secret and every access token stopped working.`);
    return;
  }
  if (action === 'rotate-webhook-secret') {
    const webhookSecret = await withDatabase((db) => rotateWebhookSecret(db, clientId));
    if (values.json) console.log(JSON.stringify({ clientId, webhookSecret }));
    else console.log(`webhook secret: ${webhookSecret}\nCallbacks are signed with it from now on.`);
    return;
  }
  throw new UsageError(`unknown client command: ${action ?? '(none)'}`);
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const db = openDatabase(config);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.destroy();
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest);
  if (command === 'migrate') return migrate();
  if (command === 'client') return clientCommand(rest[0], rest.slice(1));
  throw new UsageError(command ? `unknown command: ${argv.join(' ')}` : 'no command given');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof ClientInputError ||
    error instanceof ClientNotFoundError
  ) {
    console.error(`idv-server: ${error.message}`);
    if (error instanceof UsageError) console.error(USAGE);
    process.exit(2);
  }
  if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`idv-server: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
