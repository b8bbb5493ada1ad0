/** The address a request came from, for rate limits: the socket's, or behind a trusted proxy its last hop's. */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { ServerContext } from '../context.js';

export function clientAddress(c: Context, ctx: ServerContext): string {
  if (ctx.config.trustProxy) {
    // The proxy appends the address it saw; anything before it came from the client and may be forged.
    const forwarded = c.req.header('x-forwarded-for')?.split(',').pop()?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // In-process requests (tests, app.request) have no socket.
    return 'unknown';
  }
}
