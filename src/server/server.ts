/** Listening server: node HTTP on the hono app, background workers, graceful close. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp, type IdvApp } from './app.js';
import type { Clock } from './clock.js';
import { loadConfig, type ServerConfig } from './config.js';
import type { DemoClientCredentials } from './routes/demo.js';

export interface StartServerOptions {
  /** Overrides config.port; 0 picks a free port. */
  port?: number;
  config?: ServerConfig;
  clock?: Clock;
  logger?: Logger;
  demo?: boolean;
  /** Run the job queue, webhook outbox and expiry sweep (default true). */
  background?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  idv: IdvApp;
  demoClient?: DemoClientCredentials;
  /** Stops accepting, lets in-flight requests (uploads) finish, stops workers, closes the database. */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config: ServerConfig = { ...(options.config ?? loadConfig()) };
  if (options.port !== undefined) config.port = options.port;
  // The demo is a development setup: callbacks to a receiver on this machine are allowed there.
  if (options.demo) config.callbackPolicy = { ...config.callbackPolicy, allowLoopback: true };
  const idv = await createApp({
    config,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    demo: options.demo,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: idv.app.fetch,
        port: config.port,
        ...(config.bindAddress ? { hostname: config.bindAddress } : {}),
        // Well under Node's defaults (a request may take 300 s): a slow body or slow headers cannot hold a
        // connection for minutes. Node checks the deadlines every connectionsCheckingInterval.
        serverOptions: {
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
          connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs),
          keepAliveTimeout: 5_000,
        },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  // Connections beyond the cap are closed on accept.
  server.maxConnections = config.maxConnections;
  const port = (server.address() as AddressInfo).port;
  // The app reads config.publicUrl per request, so fixing it here covers PORT=0.
  if (config.publicUrlFromPort) config.publicUrl = `http://localhost:${port}`;
  const demoClient = options.demo ? await idv.seedDemoClient() : undefined;
  if (options.background !== false) {
    await idv.recoverAfterRestart();
    idv.startBackground();
  }

  let closing: Promise<void> | undefined;
  return {
    url: `http://localhost:${port}`,
    port,
    idv,
    ...(demoClient ? { demoClient } : {}),
    close() {
      closing ??= (async () => {
        idv.ctx.draining = true;
        await new Promise<void>((resolve) => {
          // Requests still running after the budget are cut, so a stuck client cannot hold shutdown forever.
          const cut = setTimeout(() => {
            if ('closeAllConnections' in server) server.closeAllConnections();
          }, config.shutdownTimeoutMs);
          server.close(() => {
            clearTimeout(cut);
            resolve();
          });
          // Idle keep-alive sockets would hold close() open; active requests are left to finish.
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        });
        // In-flight requests had their chance above; jobs get what is left of the shutdown budget.
        await idv.close({ timeoutMs: config.shutdownTimeoutMs });
      })();
      return closing;
    },
  };
}
