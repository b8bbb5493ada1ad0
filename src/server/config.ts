/** Server configuration from the environment; the same for `serve` and the CLI commands. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  };
}
