/** API clients (OAuth2 client credentials): creation by the CLI, lookup by the token endpoint. */
import type { IdvDatabase } from '../db/schema.js';
import { hashClientSecret, newWebhookSecret, randomToken } from './secrets.js';

export interface ApiClient {
  id: string;
  name: string;
  allowedOrigins: string[];
}

export interface CreatedClient extends ApiClient {
  secret: string;
  webhookSecret: string;
}

export class ClientInputError extends Error {
  override readonly name = 'ClientInputError';
  readonly code = 'INVALID_CLIENT_INPUT';
}

/** `https://shop.example.com/path` → `https://shop.example.com`; refuses anything that is not an http(s) origin. */
export function normalizeOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ClientInputError(`not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ClientInputError(`not http(s): ${value}`);
  return url.origin;
}

export async function createClient(
  db: IdvDatabase,
  input: {
    name: string;
    allowedOrigins: string[];
    id?: string;
    secret?: string;
    webhookSecret?: string;
    now: Date;
  },
): Promise<CreatedClient> {
  if (!input.name.trim()) throw new ClientInputError('name is required');
  const allowedOrigins = [...new Set(input.allowedOrigins.map(normalizeOrigin))];
  const client: CreatedClient = {
    id: input.id ?? randomToken('idv_c_', 12),
    name: input.name.trim(),
    allowedOrigins,
    secret: input.secret ?? randomToken('idv_cs_'),
    webhookSecret: input.webhookSecret ?? newWebhookSecret(),
  };
  await db
    .insertInto('clients')
    .values({
      id: client.id,
      name: client.name,
      secret_hash: await hashClientSecret(client.secret),
      webhook_secret: client.webhookSecret,
      allowed_origins: JSON.stringify(allowedOrigins),
      created_at: input.now.toISOString(),
    })
    .execute();
  return client;
}

export async function findClient(
  db: IdvDatabase,
  id: string,
): Promise<(ApiClient & { secretHash: string; webhookSecret: string }) | undefined> {
  const row = await db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    secretHash: row.secret_hash,
    webhookSecret: row.webhook_secret,
  };
}

export async function setAllowedOrigins(db: IdvDatabase, id: string, origins: string[]): Promise<void> {
  const normalized = [...new Set(origins.map(normalizeOrigin))];
  await db
    .updateTable('clients')
    .set({ allowed_origins: JSON.stringify(normalized) })
    .where('id', '=', id)
    .execute();
}
