/**
 * Helpers for liveness tests: an in-process app with pinned liveness options on a test database, a 10013 execution,
 * and the three widget calls (challenge, frame, complete) as the widget makes them.
 */
import type { LivenessOptions } from '../../../src/server/liveness/liveness-options.js';
import {
  type CreateAccountResponse,
  LivenessChallengeResponse,
  LivenessCompleteResponse,
  type LivenessFrameMeta,
} from '../../../src/shared/api/index.js';
import type { TestDatabase } from '../../support/databases.js';
import {
  accountBody,
  createAccount,
  openTestApp,
  pathOf,
  type TestApp,
  type TestClient,
  widgetAuth,
} from '../../support/server.js';

export type ErrorBody = { error: { code: string; issues?: Array<{ path: string }> } };

/** `openTestApp` with liveness options (the action draw pinned so each test knows its actions). */
export function openLivenessApp(
  target: TestDatabase,
  liveness: Partial<LivenessOptions>,
  options: { fetch?: typeof fetch } = {},
): Promise<TestApp> {
  return openTestApp(target, { ...options, liveness });
}

/** Always the first actions of the set, in the set's order: `randomInt` answering 0 picks the head of the pool. */
export const pinnedDraw = (actions: LivenessOptions['actions']): Partial<LivenessOptions> => ({
  actions,
  minActions: actions.length,
  maxActions: actions.length,
  randomInt: () => 0,
});

export function createLivenessAccount(
  app: TestApp,
  client: TestClient,
  mode: 'passive' | 'passive_active' = 'passive_active',
  key: 10011 | 10013 = 10013,
): Promise<CreateAccountResponse> {
  return createAccount(app, client, accountBody({ workflowDefinition: { key }, liveness: { mode } }));
}

export async function requestChallenge(app: TestApp, created: CreateAccountResponse): Promise<Response> {
  return app.request('/api/v1/session/liveness', { method: 'POST', headers: widgetAuth(created) });
}

export async function issueChallenge(app: TestApp, created: CreateAccountResponse) {
  const response = await requestChallenge(app, created);
  if (response.status !== 201) throw new Error(`challenge: ${response.status} ${await response.text()}`);
  return LivenessChallengeResponse.parse(await response.json()).challenge;
}

/** Multipart `file` + `meta` (meta as a plain text field, or raw text when `meta` is a string). */
export function frameForm(
  bytes: Uint8Array | undefined,
  meta: LivenessFrameMeta | string | undefined,
): FormData {
  const form = new FormData();
  if (bytes) form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'frame.jpg');
  if (meta !== undefined) form.append('meta', typeof meta === 'string' ? meta : JSON.stringify(meta));
  return form;
}

export function uploadFrame(
  app: TestApp,
  created: CreateAccountResponse,
  challenge: { links: { frames: string } },
  bytes: Uint8Array | undefined,
  meta: LivenessFrameMeta | string | undefined,
): Promise<Response> {
  return app.request(pathOf(challenge.links.frames), {
    method: 'POST',
    headers: widgetAuth(created),
    body: frameForm(bytes, meta),
  });
}

export function completeRequest(
  app: TestApp,
  created: CreateAccountResponse,
  challenge: { links: { complete: string } },
  nonce: string,
): Promise<Response> {
  return app.request(pathOf(challenge.links.complete), {
    method: 'POST',
    headers: { ...widgetAuth(created), 'content-type': 'application/json' },
    body: JSON.stringify({ nonce }),
  });
}

export async function complete(
  app: TestApp,
  created: CreateAccountResponse,
  challenge: { nonce: string; links: { complete: string } },
) {
  const response = await completeRequest(app, created, challenge, challenge.nonce);
  if (response.status !== 200) throw new Error(`complete: ${response.status} ${await response.text()}`);
  return LivenessCompleteResponse.parse(await response.json()).liveness;
}

/** What the server stored about a challenge (verdict, label, numbers): never sent to the widget. */
export async function storedChallenge(app: TestApp, challengeId: string) {
  return app.idv.ctx.db
    .selectFrom('liveness_challenges')
    .selectAll()
    .where('id', '=', challengeId)
    .executeTakeFirstOrThrow();
}
