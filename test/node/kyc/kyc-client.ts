/** Helpers for KYC API tests: admin calls (OAuth Bearer) and SDK steps (client-id + session token) as a client makes them. */
import assert from 'node:assert/strict';
import type { TestApp, TestClient } from '../../support/server.js';

export type ErrorBody = { error: { code: string; message: string; issues?: unknown[] } };

export interface CreatedSession {
  session_id: string;
  session_token: string;
  client_id: string;
  status: string;
  url: string;
  expires_at: string;
  kind: string;
}

/** POST an admin operation; answers status and parsed JSON (or the raw response for bytes). */
export async function admin<T = Record<string, unknown>>(
  app: TestApp,
  client: TestClient,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; response: Response }> {
  const response = await app.request(`/kyc/v2${path}`, {
    method: 'POST',
    headers: { ...client.auth, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const type = response.headers.get('content-type') ?? '';
  const parsed = type.includes('json') ? await response.clone().json() : undefined;
  return { status: response.status, body: parsed as T, response };
}

export async function createSession(
  app: TestApp,
  client: TestClient,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<CreatedSession> {
  const created = await admin<CreatedSession>(app, client, '/idv/session/create', body, headers);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

export function sdkHeaders(session: Pick<CreatedSession, 'client_id' | 'session_token'>) {
  return { 'client-id': session.client_id, authorization: `Bearer ${session.session_token}` };
}

/** An SDK step with a JSON body (`session_id` added unless the body names one). */
export async function sdk<T = Record<string, unknown>>(
  app: TestApp,
  session: CreatedSession,
  path: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = sdkHeaders(session),
  kind: 'idv' | 'ida' = 'idv',
): Promise<{ status: number; body: T }> {
  const response = await app.request(`/kyc/v2/${kind}/sdk${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ session_id: session.session_id, ...body }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** An SDK step with a multipart body. */
export async function sdkForm<T = Record<string, unknown>>(
  app: TestApp,
  session: CreatedSession,
  path: string,
  form: FormData,
): Promise<{ status: number; body: T }> {
  const response = await app.request(`/kyc/v2/idv/sdk${path}`, {
    method: 'POST',
    headers: sdkHeaders(session),
    body: form,
  });
  return { status: response.status, body: (await response.json()) as T };
}

export function imageForm(
  sessionId: string,
  bytes: Uint8Array,
  extra: Record<string, string> = {},
  type = bytes[0] === 0x89 ? 'image/png' : 'image/jpeg',
): FormData {
  const form = new FormData();
  form.append('session_id', sessionId);
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), type === 'image/png' ? 'i.png' : 'i.jpg');
  for (const [name, value] of Object.entries(extra)) form.append(name, value);
  return form;
}
