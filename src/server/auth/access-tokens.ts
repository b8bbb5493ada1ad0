/** OAuth2 client credentials: HTTP Basic → opaque Bearer access token (stored hashed, 1 h). */
import { ACCESS_TOKEN_LIFETIME_SECONDS, type TokenResponse } from '../../shared/api/index.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { bearerToken } from './bearer.js';
import { type ApiClient, findClient } from './clients.js';
import { forgetOldRateLimits, hitRateLimit, type RateLimit, rateLimitBucket } from './rate-limit.js';
import { SecretVerifier, VerifierBusyError } from './secret-verifier.js';
import { hashToken, randomToken } from './secrets.js';

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

/**
 * Token requests that reach scrypt (everything but a recently verified client), per client id and per address,
 * counted in the database so the limits hold across nodes. An honest client asks once an hour (tokens live 1 h)
 * and after its first success on a node skips these limits through the verification cache.
 */
export const TOKEN_RATE_LIMITS = {
  perClient: { limit: 30, windowMs: 60_000 },
  perAddress: { limit: 30, windowMs: 60_000 },
} as const satisfies Record<string, RateLimit>;

const verifier = new SecretVerifier();

async function limit(ctx: ServerContext, bucket: string, rule: RateLimit): Promise<void> {
  const hit = await hitRateLimit(ctx.db, bucket, rule, ctx.clock.now());
  if (!hit.allowed) {
    throw new ApiError(429, 'RATE_LIMITED', 'Too many token requests; retry later', [
      { retryAfterSeconds: hit.retryAfterSeconds },
    ]);
  }
}

export async function issueAccessToken(
  ctx: ServerContext,
  authorization: string | undefined,
  grantType: string,
  address: string,
): Promise<TokenResponse> {
  const credentials = basicCredentials(authorization);
  if (!credentials) throw new ApiError(401, 'INVALID_CLIENT', 'HTTP Basic client credentials required');
  const client = await findClient(ctx.db, credentials.id);
  const now = ctx.clock.now();
  const cached = client
    ? await verifier.verifyCached(client.id, credentials.secret, client.secretHash, now.getTime())
    : false;
  let verified = cached;
  if (!cached) {
    await limit(ctx, rateLimitBucket('token-address', address), TOKEN_RATE_LIMITS.perAddress);
    await limit(ctx, rateLimitBucket('token-client', credentials.id), TOKEN_RATE_LIMITS.perClient);
    try {
      verified = await verifier.verify(credentials.id, credentials.secret, client?.secretHash, now.getTime());
    } catch (error) {
      if (!(error instanceof VerifierBusyError)) throw error;
      throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'Too many token requests in progress; retry shortly');
    }
  }
  // A disabled client is told no more than a wrong secret would tell it.
  if (!client || !verified || client.disabledAt) {
    throw new ApiError(401, 'INVALID_CLIENT', 'Client authentication failed');
  }
  if (grantType !== 'client_credentials') {
    throw new ApiError(400, 'UNSUPPORTED_GRANT_TYPE', 'Only grant_type=client_credentials is supported');
  }
  const token = randomToken('idv_at_');
  await ctx.db
    .insertInto('access_tokens')
    .values({
      token_hash: hashToken(token),
      client_id: client.id,
      expires_at: new Date(now.getTime() + ACCESS_TOKEN_LIFETIME_SECONDS * 1000).toISOString(),
      created_at: now.toISOString(),
    })
    .execute();
  // Expired tokens are useless; dropping them here keeps the table small without another job.
  await ctx.db.deleteFrom('access_tokens').where('expires_at', '<', now.toISOString()).execute();
  await forgetOldRateLimits(ctx.db, new Date(now.getTime() - 3_600_000));
  return { access_token: token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SECONDS };
}

export async function authenticateClient(
  ctx: ServerContext,
  authorization: string | undefined,
): Promise<ApiClient> {
  const token = bearerToken(authorization);
  if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Bearer access token required');
  const row = await ctx.db
    .selectFrom('access_tokens')
    .innerJoin('clients', 'clients.id', 'access_tokens.client_id')
    .select(['clients.id', 'clients.name', 'clients.allowed_origins', 'access_tokens.expires_at'])
    .where('access_tokens.token_hash', '=', hashToken(token))
    .where('clients.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new ApiError(401, 'INVALID_TOKEN', 'Unknown access token');
  if (ctx.clock.now().toISOString() >= row.expires_at)
    throw new ApiError(401, 'TOKEN_EXPIRED', 'Access token expired');
  return { id: row.id, name: row.name, allowedOrigins: JSON.parse(row.allowed_origins) as string[] };
}
