/** Static files: the demo page, the SDK bundle and its assets, and the hosted capture page. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv, ServerContext } from '../context.js';

const LONG_CACHE = 'public, max-age=31536000, immutable';

interface DirectoryOptions {
  root: string;
  /** Serve this one file (relative to root) instead of the request path. */
  file?: string;
  /** Prefix of the request path that maps to root. */
  prefix?: string;
  /** Headers for a found file. */
  headers(path: string): Record<string, string>;
}

/**
 * serveStatic created on first use, once its directory exists (the build may come after start); headers are
 * added to the file response itself because serveStatic builds it before its onFound hook runs.
 */
function servedDirectory(options: DirectoryOptions): MiddlewareHandler<AppEnv> {
  let handler: MiddlewareHandler<AppEnv> | undefined;
  return async (c, next) => {
    if (!handler) {
      if (!existsSync(options.root)) return next();
      handler = serveStatic<AppEnv>({
        root: options.root,
        ...(options.file ? { path: options.file } : {}),
        ...(options.prefix
          ? { rewriteRequestPath: (path: string) => path.slice(options.prefix?.length ?? 0) || '/' }
          : {}),
      });
    }
    const response = await handler(c, next);
    if (response instanceof Response && response.status < 300) {
      const path = options.file ?? c.req.path;
      for (const [name, value] of Object.entries(options.headers(path))) response.headers.set(name, value);
    }
    return response;
  };
}

export function staticRoutes(ctx: ServerContext) {
  const router = new Hono<AppEnv>();
  const root = ctx.config.staticRoot;

  router.get('/', (c) => c.redirect('/demo/', 302));
  router.get('/demo', (c) => c.redirect('/demo/', 301));
  router.get(
    '/demo/*',
    servedDirectory({
      root: join(root, 'demo'),
      prefix: '/demo',
      headers: () => ({ 'Cache-Control': 'no-cache' }),
    }),
  );
  router.get(
    '/sdk/assets/*',
    servedDirectory({
      root: join(root, 'dist', 'assets'),
      prefix: '/sdk/assets',
      headers: (path) => ({
        'Cache-Control': LONG_CACHE,
        // Model files have no registered type; say plainly they are opaque bytes.
        ...(/\.(task|tflite|bin)$/.test(path) ? { 'Content-Type': 'application/octet-stream' } : {}),
      }),
    }),
  );
  router.get(
    '/sdk/*',
    servedDirectory({
      root: join(root, 'dist', 'sdk'),
      prefix: '/sdk',
      headers: () => ({ 'Cache-Control': 'public, max-age=300' }),
    }),
  );
  router.get(
    '/web/v1/app',
    servedDirectory({
      root: join(root, 'dist', 'hosted'),
      file: 'index.html',
      // The workflow token is in this page's query string: never leak it through Referer or caches.
      headers: () => ({ 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' }),
    }),
  );
  return router;
}
