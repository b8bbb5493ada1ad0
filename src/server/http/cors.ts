/**
 * CORS for the endpoints the embedded widget calls from the customer's page. Allowed: the origins registered
 * for any API client (`--allowed-origin`). Requests carry a Bearer token, never cookies, so no credentials mode.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { ServerContext } from '../context.js';

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

export function widgetCors(ctx: ServerContext): MiddlewareHandler {
  const origins = new RegisteredOrigins(ctx);
  return cors({
    origin: async (origin) => (origin && (await origins.has(origin)) ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
    exposeHeaders: ['Idempotent-Replayed', 'X-Request-Id'],
    maxAge: 600,
  });
}
