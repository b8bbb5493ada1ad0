/** Server configuration from the environment; the same for `serve` and the CLI commands. */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3BlobStoreOptions } from './blobs/s3-blob-store.js';
import { type CallbackPolicy, parseAllowedNetworks } from './queue/callback-target.js';

export interface ServerConfig {
  port: number;
  /** SQLite file, blobs and the demo client's secret live here. */
  dataDir: string;
  /** `postgres://…` selects PostgreSQL; unset means SQLite at `${dataDir}/idv.sqlite`. */
  databaseUrl?: string;
  /** Origin (and optional path prefix) that absolute URLs in responses start with; no trailing slash. */
  publicUrl: string;
  /** True when publicUrl was derived from PORT: with PORT=0 the server fixes it up once it knows its port. */
  publicUrlFromPort: boolean;
  /** Where `/demo`, `/sdk` and the hosted page are served from (the package root). */
  staticRoot: string;
  /** Outbox retry delays; tests shorten them (`IDV_WEBHOOK_RETRY_SCHEDULE_MS=200,500`). */
  webhookRetryScheduleMs?: number[];
  logLevel: string;
  /** How often background work (jobs, outbox, expiry sweep) polls. */
  pollMs: number;
  /** A sanctions list in the OFAC SDN CSV format for watchlist screening (workflow 10013); unset: none. */
  sanctionsListPath?: string;
  /** Interface to listen on (`IDV_BIND_ADDRESS`); unset: all interfaces. */
  bindAddress?: string;
  /** Where callbacks may go (`IDV_ALLOW_LOOPBACK_CALLBACKS`, `IDV_CALLBACK_ALLOWED_NETWORKS`); see callback-target.ts. */
  callbackPolicy: CallbackPolicy;
  /** `IDV_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** `IDV_ADMIN_TOKEN`: when set, the admin API (`/admin/v1/…`) answers `Authorization: Bearer <token>`. */
  adminToken?: string;
  /** A whole request, body included, must arrive within this (`IDV_REQUEST_TIMEOUT_MS`, default 60 s). */
  requestTimeoutMs: number;
  /** Request headers must arrive within this (`IDV_HEADERS_TIMEOUT_MS`, default 15 s). */
  headersTimeoutMs: number;
  /** Open connections at most (`IDV_MAX_CONNECTIONS`, default 512); more are closed at once. */
  maxConnections: number;
  /** `IDV_TRUST_PROXY=1`: the client address is the last `X-Forwarded-For` entry (set it behind a proxy only). */
  trustProxy: boolean;
  /** This node's name in job locks (`IDV_NODE_ID`, default the host name): a restarted node reclaims its own. */
  nodeId: string;
  /** `IDV_S3_BUCKET` (+ `IDV_S3_*`): blobs in S3-compatible storage instead of `${dataDir}/blobs`. */
  s3?: S3BlobStoreOptions;
  /** `IDV_JOB_LEASE_MS` (default 60 s): a dead node's job is taken over this long after its last heartbeat. */
  jobLeaseMs: number;
  /** `IDV_PURGE_AFTER_DAYS` (default 30): finished jobs and settled webhook deliveries are deleted after this. */
  purgeAfterDays: number;
  /** `IDV_SHUTDOWN_TIMEOUT_MS` (default 25 s): graceful shutdown waits this long for in-flight requests and jobs. */
  shutdownTimeoutMs: number;
}

const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be 0…65535`);
  return port;
}

function parseSchedule(value: string | undefined): number[] | undefined {
  if (!value) return undefined;
  const delays = value.split(',').map((part) => Number(part.trim()));
  if (delays.some((ms) => !Number.isFinite(ms) || ms < 0)) {
    throw new ConfigError('IDV_WEBHOOK_RETRY_SCHEDULE_MS must be comma-separated milliseconds');
  }
  return delays;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = parsePort(env.PORT);
  const databaseUrl = env.IDV_DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('IDV_DATABASE_URL must be a postgres:// URL');
  }
  return {
    port,
    dataDir: resolve(env.IDV_DATA_DIR || './data'),
    databaseUrl,
    publicUrl: (env.IDV_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    publicUrlFromPort: !env.IDV_PUBLIC_URL,
    staticRoot: PACKAGE_ROOT,
    webhookRetryScheduleMs: parseSchedule(env.IDV_WEBHOOK_RETRY_SCHEDULE_MS),
    logLevel: env.IDV_LOG_LEVEL || 'info',
    pollMs: Number(env.IDV_POLL_MS) > 0 ? Number(env.IDV_POLL_MS) : 1000,
    ...(env.IDV_SANCTIONS_LIST ? { sanctionsListPath: resolve(env.IDV_SANCTIONS_LIST) } : {}),
    ...(env.IDV_BIND_ADDRESS ? { bindAddress: env.IDV_BIND_ADDRESS } : {}),
    callbackPolicy: {
      allowLoopback: flag(env.IDV_ALLOW_LOOPBACK_CALLBACKS),
      allowedNetworks: networks(env.IDV_CALLBACK_ALLOWED_NETWORKS),
    },
    ...(env.IDV_METRICS_TOKEN ? { metricsToken: env.IDV_METRICS_TOKEN } : {}),
    ...(env.IDV_ADMIN_TOKEN ? { adminToken: env.IDV_ADMIN_TOKEN } : {}),
    requestTimeoutMs: positive(env.IDV_REQUEST_TIMEOUT_MS, 60_000, 'IDV_REQUEST_TIMEOUT_MS'),
    headersTimeoutMs: positive(env.IDV_HEADERS_TIMEOUT_MS, 15_000, 'IDV_HEADERS_TIMEOUT_MS'),
    maxConnections: positive(env.IDV_MAX_CONNECTIONS, 512, 'IDV_MAX_CONNECTIONS'),
    trustProxy: flag(env.IDV_TRUST_PROXY),
    nodeId: env.IDV_NODE_ID || hostname(),
    ...(env.IDV_S3_BUCKET ? { s3: s3Options(env, env.IDV_S3_BUCKET) } : {}),
    jobLeaseMs: positive(env.IDV_JOB_LEASE_MS, 60_000, 'IDV_JOB_LEASE_MS'),
    purgeAfterDays: positive(env.IDV_PURGE_AFTER_DAYS, 30, 'IDV_PURGE_AFTER_DAYS'),
    shutdownTimeoutMs: positive(env.IDV_SHUTDOWN_TIMEOUT_MS, 25_000, 'IDV_SHUTDOWN_TIMEOUT_MS'),
  };
}

function s3Options(env: NodeJS.ProcessEnv, bucket: string): S3BlobStoreOptions {
  const accessKeyId = env.IDV_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.IDV_S3_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ConfigError('IDV_S3_ACCESS_KEY_ID and IDV_S3_SECRET_ACCESS_KEY are set together or not at all');
  }
  const keyPrefix = env.IDV_S3_KEY_PREFIX;
  if (keyPrefix && !/^[A-Za-z0-9_\-.]+(\/[A-Za-z0-9_\-.]+)*\/$/.test(keyPrefix)) {
    throw new ConfigError('IDV_S3_KEY_PREFIX must be path segments ending in / (idv/)');
  }
  return {
    bucket,
    region: env.IDV_S3_REGION || 'us-east-1',
    forcePathStyle: flag(env.IDV_S3_FORCE_PATH_STYLE),
    ...(env.IDV_S3_ENDPOINT ? { endpoint: env.IDV_S3_ENDPOINT } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    ...(keyPrefix ? { keyPrefix } : {}),
  };
}

function flag(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return number;
}

function networks(value: string | undefined): string[] {
  try {
    return parseAllowedNetworks(value);
  } catch {
    throw new ConfigError(
      'IDV_CALLBACK_ALLOWED_NETWORKS must be comma-separated CIDRs (10.0.0.0/8,fd00::/8)',
    );
  }
}
