/** Static files: the demo page, the SDK bundle and its assets, and the hosted page's script. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import type { AppEnv, ServerContext } from '../context.js';
import { sdkCors } from '../http/cors.js';
import { packageVersion } from './ops.js';

const LONG_CACHE = 'public, max-age=31536000, immutable';
const SHORT_CACHE = 'public, max-age=300';

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
  const version = packageVersion(root);
  const versioned = `/sdk/v${version}`;
  const modelType = (path: string): Record<string, string> =>
    // Model files have no registered type; say plainly they are opaque bytes.
    /\.(task|tflite|bin)$/.test(path) ? { 'Content-Type': 'application/octet-stream' } : {};
  // Other origins load these as module scripts, workers and fetches (CORS mode): the client's registered origins may.
  const registeredCors = sdkCors(ctx);
  router.use('/sdk/*', registeredCors);
  // Scripts and styles shrink to about a third; wasm and models are left alone (big, cached for a year, and their
  // Content-Length drives the widget's download progress).
  const compressScripts = compress({ contentTypeFilter: /^(text\/css|(application|text)\/javascript)\b/ });
  router.use('/sdk/*', compressScripts);
  router.use('/web/v1/assets/*', compressScripts);
  router.use('/sdk/*', async (c, next) => {
    await next();
    if (c.res.status < 300) c.header('Cross-Origin-Resource-Policy', 'cross-origin');
  });

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
  // `/sdk/v<version>/…` never changes for a version: cached for a year. The unversioned URLs follow upgrades.
  router.get(
    `${versioned}/assets/*`,
    servedDirectory({
      root: join(root, 'dist', 'assets'),
      prefix: `${versioned}/assets`,
      headers: (path) => ({ 'Cache-Control': LONG_CACHE, ...modelType(path) }),
    }),
  );
  for (const directory of ['sdk', 'hosted']) {
    router.get(
      `${versioned}/*`,
      servedDirectory({
        root: join(root, 'dist', directory),
        prefix: versioned,
        headers: () => ({ 'Cache-Control': LONG_CACHE }),
      }),
    );
  }
  router.get(
    '/sdk/assets/*',
    servedDirectory({
      root: join(root, 'dist', 'assets'),
      prefix: '/sdk/assets',
      headers: (path) => ({ 'Cache-Control': LONG_CACHE, ...modelType(path) }),
    }),
  );
  // dist/sdk first; what it lacks comes from dist/hosted: the iframe helper (/sdk/embed.js, `idv-capture/embed`
  // for bundler users), `<idv-handoff>` (/sdk/handoff.js) and their shared chunks.
  const sdkCache = (path: string) => ({
    // Chunk names carry a content hash; only the entries' URLs are reused across releases.
    'Cache-Control': /\/chunks\/|-[\w-]{8}\.js$/.test(path) ? LONG_CACHE : SHORT_CACHE,
  });
  for (const directory of ['sdk', 'hosted']) {
    router.get(
      '/sdk/*',
      servedDirectory({ root: join(root, 'dist', directory), prefix: '/sdk', headers: sdkCache }),
    );
  }
  router.get(
    '/web/v1/assets/*',
    servedDirectory({
      root: join(root, 'dist', 'hosted'),
      prefix: '/web/v1/assets',
      headers: () => ({ 'Cache-Control': SHORT_CACHE }),
    }),
  );
  return router;
}
