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
): Promise<
  (ApiClient & { secretHash: string; webhookSecret: string; disabledAt: string | null }) | undefined
> {
  const row = await db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    secretHash: row.secret_hash,
    webhookSecret: row.webhook_secret,
    disabledAt: row.disabled_at ?? null,
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

/** What `client list` shows: never a secret. */
export interface ClientSummary extends ApiClient {
  createdAt: string;
  disabledAt: string | null;
}

export class ClientNotFoundError extends Error {
  override readonly name = 'ClientNotFoundError';
  readonly code = 'CLIENT_NOT_FOUND';
}

export async function listClients(db: IdvDatabase): Promise<ClientSummary[]> {
  const rows = await db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    createdAt: row.created_at,
    disabledAt: row.disabled_at ?? null,
  }));
}

/**
 * Credential lifecycle (issue #18). Each change that ends access revokes every access token of the client in the
 * same transaction, so a token issued before stops working at once, on every node (tokens are checked in the
 * database on each request).
 */
async function changeClient(
  db: IdvDatabase,
  id: string,
  change: Partial<{ secret_hash: string; webhook_secret: string; disabled_at: string }>,
  revokeTokens: boolean,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const result = await trx.updateTable('clients').set(change).where('id', '=', id).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new ClientNotFoundError(`no client ${id}`);
    if (revokeTokens) await trx.deleteFrom('access_tokens').where('client_id', '=', id).execute();
  });
}

/** No new token, every access token revoked; executions and their workflow tokens stay (the users are not at fault). */
export async function disableClient(db: IdvDatabase, id: string, now: Date): Promise<void> {
  await changeClient(db, id, { disabled_at: now.toISOString() }, true);
}

/** A new client secret (returned once); the old one and every access token stop working at once. */
export async function rotateClientSecret(db: IdvDatabase, id: string): Promise<string> {
  const secret = randomToken('idv_cs_');
  await changeClient(db, id, { secret_hash: await hashClientSecret(secret) }, true);
  return secret;
}

/** A new webhook signing secret (returned once); callbacks from now on are signed with it, retries included. */
export async function rotateWebhookSecret(db: IdvDatabase, id: string): Promise<string> {
  const webhookSecret = newWebhookSecret();
  await changeClient(db, id, { webhook_secret: webhookSecret }, false);
  return webhookSecret;
}
