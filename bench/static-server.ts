/** A read-only static server over the repository for browser benchmarks, on 127.0.0.1 and a free port. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

export interface StaticServer {
  origin: string;
  close: () => Promise<void>;
}

/**
 * Serves `indexHtml` at `/` and `root` read-only below it. `extend` adds routes before the static fallback
 * (e.g. in-memory build output).
 */
export async function startStaticServer(
  root: string,
  indexHtml: string,
  extend?: (app: Hono) => void,
): Promise<StaticServer> {
  const app = new Hono();
  app.get('/', (c) => c.html(indexHtml));
  extend?.(app);
  app.use('/*', serveStatic({ root }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
