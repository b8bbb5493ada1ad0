/**
 * A typed HTTP client for idv-server, for integrators' backends and our own end-to-end tests: `openapi-fetch` over
 * the types generated from the server's OpenAPI document (`./api-types.ts`, `scripts/generate-api-client.ts`).
 * Paths, parameters, bodies and answers are checked by the compiler against the document the server serves.
 *
 * @example
 * const idv = createIdvClient('https://idv.example.com');
 * const token = await fetchAccessToken(idv, clientId, clientSecret);
 * idv.use(bearer(token));
 * const { data } = await idv.POST('/api/web/v1/idproofing', { body: { limit: 20 } });
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { paths } from './api-types.js';

export type { components, operations, paths } from './api-types.js';
export type IdvClient = Client<paths>;

export function createIdvClient(baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}): IdvClient {
  return createClient<paths>({ baseUrl, ...options });
}

/** Middleware that sends `Authorization: Bearer <token>` on every request that has none of its own. */
export function bearer(token: string): Middleware {
  return {
    onRequest({ request }) {
      if (!request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
}

/** OAuth2 client credentials (HTTP Basic, form body) → the access token; throws with the server's error code. */
export async function fetchAccessToken(
  client: IdvClient,
  clientId: string,
  clientSecret: string,
): Promise<string> {
  const basic = btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`);
  const { data, error, response } = await client.POST('/oauth2/token', {
    body: { grant_type: 'client_credentials' },
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
  });
  if (!data) {
    const code = (error as { error?: { code?: string } } | undefined)?.error?.code ?? 'UNKNOWN';
    throw new Error(`token request failed: ${response.status} ${code}`);
  }
  return data.access_token;
}
