/** The services every route and job uses, created once per app. */
import type { Logger } from 'pino';
import type { BlobStore } from './blobs/blob-store.js';
import type { Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import type { IdvDatabase } from './db/schema.js';
import type { JobQueue, WebhookOutbox } from './queue/index.js';

export interface ServerContext {
  config: ServerConfig;
  db: IdvDatabase;
  blobs: BlobStore;
  clock: Clock;
  queue: JobQueue;
  outbox: WebhookOutbox;
  logger: Logger;
  /** Set when graceful shutdown begins: /readyz answers 503 so the balancer stops sending new requests. */
  draining?: boolean;
}

/** Hono environment of every router: the request id set by the request-id middleware. */
export interface AppEnv {
  Variables: { requestId: string };
}
