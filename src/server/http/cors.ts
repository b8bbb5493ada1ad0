/**
 * CORS for the endpoints the embedded widget calls from the customer's page (issue #18, item 6).
 *
 * - A preflight carries no token, so it is answered for the widget routes only (session, liveness, handoff, part
 *   uploads, finalize, and the KYC API's SDK steps) and only for origins some client registered (`--allowed-origin`). Server-to-server routes
 *   (account creation, retrieval, deletion, the part image GET) answer no preflight: a browser never calls them.
 * - A real request carries the workflow token: the answer is readable (`Access-Control-Allow-Origin`) only from the
 *   origins of the client that owns that token. Without a valid token (401) any registered origin may read the
 *   error, so the widget can say "invalid token" instead of "network error".
 * Requests carry a Bearer token, never cookies, so no credentials mode.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { findClient } from '../auth/clients.js';
import type { AppEnv, ServerContext } from '../context.js';
import { bearerToken } from '../auth/bearer.js';
import { findExecutionByToken } from '../auth/workflow-tokens.js';

const ALLOW_METHODS = 'GET, POST, PUT, DELETE';
const ALLOW_HEADERS = 'Authorization, Content-Type, Idempotency-Key, client-id';
const EXPOSE_HEADERS = 'Idempotent-Replayed, X-Request-Id';
const PART_PATH =
  /^\/api\/v1\/accounts\/[^/]+\/workflow-executions\/[^/]+\/credentials\/[^/]+\/(parts(\/[^/]+)?|data)$/;
const EXECUTION_PATH = /^\/api\/v1\/accounts\/[^/]+\/workflow-executions\/[^/]+$/;
/** The KYC API's SDK steps (client-id header + session token), called from the customer's page like the widget. */
const KYC_SDK_PATH = /^\/kyc\/v2\/((idv|ida)\/sdk\/.+|identity\/sdk\/status)$/;

/** The routes the widget calls with its workflow token, by method. */
export function isWidgetRoute(method: string, path: string): boolean {
  if (path === '/api/v1/session' || path.startsWith('/api/v1/session/')) return true;
  if (KYC_SDK_PATH.test(path)) return method === 'POST';
  if (PART_PATH.test(path)) return method === 'POST' || method === 'PUT' || method === 'DELETE';
  return EXECUTION_PATH.test(path) && method === 'PUT';
}

/** Hits are answered from memory; a miss re-reads the (small) clients table, so new clients work at once. */
class RegisteredOrigins {
  private known = new Set<string>();
  constructor(private readonly ctx: ServerContext) {}

  async has(origin: string): Promise<boolean> {
    if (this.known.has(origin)) return true;
    const rows = await this.ctx.db.selectFrom('clients').select(['allowed_origins']).execute();
    this.known = new Set(rows.flatMap((row) => JSON.parse(row.allowed_origins) as string[]));
    return this.known.has(origin);
  }
}

export function widgetCors(ctx: ServerContext): MiddlewareHandler<AppEnv> {
  const registered = new RegisteredOrigins(ctx);

  /** Whether `origin` may read this answer: the token owner's origins, or any registered one without a token. */
  const mayRead = async (c: Context<AppEnv>, origin: string): Promise<boolean> => {
    const token = bearerToken(c.req.header('authorization'));
    const row = token ? await findExecutionByToken(ctx, token) : undefined;
    if (!row) return registered.has(origin);
    return ((await findClient(ctx.db, row.client_id))?.allowedOrigins ?? []).includes(origin);
  };

  return async (c, next) => {
    const origin = c.req.header('origin');
    const requestedMethod = c.req.header('access-control-request-method');
    if (c.req.method === 'OPTIONS' && requestedMethod) {
      if (
        !origin ||
        !isWidgetRoute(requestedMethod.toUpperCase(), c.req.path) ||
        !(await registered.has(origin))
      ) {
        return next();
      }
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': ALLOW_METHODS,
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    await next();
    if (!origin || !isWidgetRoute(c.req.method, c.req.path)) return;
    c.header('Vary', 'Origin', { append: true });
    if (await mayRead(c, origin)) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    }
  };
}

/** The embed bundle, its chunks and assets: public files, readable from any registered origin. */
export function sdkCors(ctx: ServerContext): MiddlewareHandler<AppEnv> {
  const registered = new RegisteredOrigins(ctx);
  return cors({
    origin: async (origin) => (origin && (await registered.has(origin)) ? origin : null),
    allowMethods: ['GET', 'HEAD'],
    maxAge: 600,
  });
}
