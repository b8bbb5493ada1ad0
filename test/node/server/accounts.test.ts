/** OAuth token endpoint, account creation, URL rules, client isolation, request-shape refusals, OpenAPI, ops. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateAccountResponse, ExecutionList, TokenResponse } from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  basicAuth,
  createAccount,
  createTestClient,
  openTestApp,
  PUBLIC_URL,
  type TestApp,
} from '../../support/server.js';

for (const target of testDatabases()) {
  describe(`accounts and auth (${target.name})`, () => {
    let app: TestApp;
    before(async () => {
      app = await openTestApp(target);
    });
    after(() => app.close());

    const post = (path: string, headers: Record<string, string>, body: unknown) =>
      app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('issues a 1-hour Bearer token for good client credentials and refuses bad ones', async () => {
      const client = await createTestClient(app);
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const good = await app.request('/oauth2/token', {
        method: 'POST',
        headers: { ...form, authorization: basicAuth(client.id, client.secret) },
        body: 'grant_type=client_credentials',
      });
      assert.equal(good.status, 200);
      const token = TokenResponse.parse(await good.json());
      assert.equal(token.token_type, 'Bearer');
      assert.equal(token.expires_in, 3600);
      assert.notEqual(token.access_token, client.secret);

      const wrongSecret = await app.request('/oauth2/token', {
        method: 'POST',
        headers: { ...form, authorization: basicAuth(client.id, `${client.secret}x`) },
        body: 'grant_type=client_credentials',
      });
      assert.equal(wrongSecret.status, 401);
      assert.equal(((await wrongSecret.json()) as { error: { code: string } }).error.code, 'INVALID_CLIENT');

      const unknownClient = await app.request('/oauth2/token', {
        method: 'POST',
        headers: { ...form, authorization: basicAuth('nobody', client.secret) },
        body: 'grant_type=client_credentials',
      });
      assert.equal(unknownClient.status, 401);

      const noAuth = await app.request('/oauth2/token', {
        method: 'POST',
        headers: form,
        body: 'grant_type=client_credentials',
      });
      assert.equal(noAuth.status, 401);

      const wrongGrant = await app.request('/oauth2/token', {
        method: 'POST',
        headers: { ...form, authorization: basicAuth(client.id, client.secret) },
        body: 'grant_type=password',
      });
      assert.equal(wrongGrant.status, 400);
      assert.equal(
        ((await wrongGrant.json()) as { error: { code: string } }).error.code,
        'UNSUPPORTED_GRANT_TYPE',
      );
    });

    it('stores client secrets hashed with scrypt', async () => {
      const client = await createTestClient(app);
      const row = await app.idv.ctx.db
        .selectFrom('clients')
        .select(['secret_hash'])
        .where('id', '=', client.id)
        .executeTakeFirstOrThrow();
      assert.match(row.secret_hash, /^scrypt\$/);
      assert.ok(!row.secret_hash.includes(client.secret));
    });

    it('refuses API calls without a valid access token', async () => {
      const none = await post('/api/v1/accounts', {}, accountBody());
      assert.equal(none.status, 401);
      assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
      const bogus = await post('/api/v1/accounts', { authorization: 'Bearer idv_at_nope' }, accountBody());
      assert.equal(bogus.status, 401);
      assert.equal(((await bogus.json()) as { error: { code: string } }).error.code, 'INVALID_TOKEN');
    });

    it('creates an account from a Jumio-like body with the documented response shape', async () => {
      const client = await createTestClient(app);
      const response = await post('/api/v1/accounts', client.auth, accountBody());
      assert.equal(response.status, 201);
      const created = CreateAccountResponse.parse(await response.json());
      const { id: accountId } = created.account;
      const executionId = created.workflowExecution.id;
      const token = created.sdk.token;
      assert.match(token, /^idv_wt_[A-Za-z0-9_-]{40,}$/);
      assert.equal(created.timestamp, app.clock.now().toISOString());
      // The hosted page's token is its own secret, not the SDK token (issue #15).
      const webToken = new URL(created.web.href).searchParams.get('authorizationToken') ?? '';
      assert.match(webToken, /^idv_wt_[A-Za-z0-9_-]{40,}$/);
      assert.notEqual(webToken, token);
      assert.equal(created.web.href, `${PUBLIC_URL}/web/v1/app?authorizationToken=${webToken}&locale=de`);
      assert.equal(created.web.successUrl, 'https://shop.example/done');
      assert.equal(created.web.errorUrl, 'https://shop.example/failed');
      assert.deepEqual(
        created.workflowExecution.credentials.map((c) => c.category),
        ['ID', 'SELFIE', 'FACEMAP'],
      );
      const executionHref = `${PUBLIC_URL}/api/v1/accounts/${accountId}/workflow-executions/${executionId}`;
      const [idCredential, selfie, facemap] = created.workflowExecution.credentials;
      assert.deepEqual(idCredential.allowedChannels, ['WEB', 'API', 'SDK']);
      // One api.token per credential, none equal to another token of the execution.
      const apiTokens = [idCredential.api!.token, selfie.api!.token];
      assert.equal(new Set([...apiTokens, token, webToken]).size, 4);
      assert.deepEqual(facemap.allowedChannels, ['WEB', 'SDK']);
      assert.equal(facemap.api, undefined);
      assert.equal(idCredential.api!.workflowExecution, executionHref);
      assert.deepEqual(idCredential.api!.parts, {
        front: `${executionHref}/credentials/${idCredential.id}/parts/FRONT`,
        back: `${executionHref}/credentials/${idCredential.id}/parts/BACK`,
      });
      assert.deepEqual(selfie.api!.parts, { face: `${executionHref}/credentials/${selfie.id}/parts/FACE` });

      // The workflow token is stored hashed, never in clear.
      const row = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .select(['token_hash', 'status'])
        .where('id', '=', executionId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'INITIATED');
      assert.match(row.token_hash ?? '', /^[0-9a-f]{64}$/);
    });

    it('adds the ID, SELFIE and FACEMAP credentials a 10013 request leaves out', async () => {
      const client = await createTestClient(app);
      const created = await createAccount(
        app,
        client,
        accountBody({ workflowDefinition: { key: 10013 }, liveness: { mode: 'passive_active' } }),
      );
      assert.deepEqual(
        created.workflowExecution.credentials.map((c) => c.category),
        ['ID', 'SELFIE', 'FACEMAP'],
      );
    });

    it('validates tokenLifetime: 5m…60d in m/h/d or seconds', async () => {
      const client = await createTestClient(app);
      for (const tokenLifetime of ['5m', '2h', '7d', '60d', 3600, '600']) {
        const response = await post('/api/v1/accounts', client.auth, accountBody({ tokenLifetime }));
        assert.equal(response.status, 201, `lifetime ${tokenLifetime}`);
      }
      for (const tokenLifetime of ['4m', '61d', 'soon', 60, '1.5h']) {
        const response = await post('/api/v1/accounts', client.auth, accountBody({ tokenLifetime }));
        assert.equal(response.status, 422, `lifetime ${tokenLifetime}`);
        assert.equal(
          ((await response.json()) as { error: { code: string } }).error.code,
          'VALIDATION_FAILED',
        );
      }
    });

    it('refuses http URLs (redirects: except on localhost; callbacks: always), and redirect URLs off the client’s allowed origins', async () => {
      const client = await createTestClient(app, ['https://shop.example', 'http://localhost:3000']);
      const insecure = await post(
        '/api/v1/accounts',
        client.auth,
        accountBody({ callbackUrl: 'http://shop.example/cb' }),
      );
      assert.equal(insecure.status, 422);
      const insecureBody = (await insecure.json()) as {
        error: { code: string; issues: Array<{ path: string }> };
      };
      assert.equal(insecureBody.error.code, 'INSECURE_URL');
      assert.deepEqual(
        insecureBody.error.issues.map((issue) => issue.path),
        ['callbackUrl'],
      );

      // Redirects to a local page are the browser's business; a callback to this machine is not (issue #18).
      const local = await post(
        '/api/v1/accounts',
        client.auth,
        accountBody({
          callbackUrl: 'https://shop.example/cb',
          web: { successUrl: 'http://localhost:3000/ok', errorUrl: 'http://localhost:3000/ko' },
        }),
      );
      assert.equal(local.status, 201);
      const loopbackCallback = await post(
        '/api/v1/accounts',
        client.auth,
        accountBody({ callbackUrl: 'http://127.0.0.1:9999/cb' }),
      );
      assert.equal(loopbackCallback.status, 422);

      const offOrigin = await post(
        '/api/v1/accounts',
        client.auth,
        accountBody({ web: { successUrl: 'https://evil.example/ok', errorUrl: 'https://shop.example/ko' } }),
      );
      assert.equal(offOrigin.status, 403);
      const offBody = (await offOrigin.json()) as {
        error: { code: string; issues: Array<{ path: string }> };
      };
      assert.equal(offBody.error.code, 'ORIGIN_NOT_ALLOWED');
      assert.deepEqual(
        offBody.error.issues.map((issue) => issue.path),
        ['web.successUrl'],
      );
    });

    it('refuses unknown fields, malformed JSON and oversize bodies with 4xx codes', async () => {
      const client = await createTestClient(app);
      const unknownTop = await post('/api/v1/accounts', client.auth, { ...accountBody(), isAdmin: true });
      assert.equal(unknownTop.status, 400);
      const unknownBody = (await unknownTop.json()) as {
        error: { code: string; issues: Array<{ keys?: string[] }> };
      };
      assert.equal(unknownBody.error.code, 'UNKNOWN_FIELD');
      assert.deepEqual(unknownBody.error.issues[0].keys, ['isAdmin']);

      const nested = accountBody();
      const unknownNested = await post('/api/v1/accounts', client.auth, {
        ...nested,
        web: { ...nested.web, theme: 'dark' },
      });
      assert.equal(unknownNested.status, 400);

      const malformed = await post('/api/v1/accounts', client.auth, '{"customerInternalReference": ');
      assert.equal(malformed.status, 400);
      assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');

      const wrongType = await app.request('/api/v1/accounts', {
        method: 'POST',
        headers: { ...client.auth, 'content-type': 'text/plain' },
        body: JSON.stringify(accountBody()),
      });
      assert.equal(wrongType.status, 415);
      assert.equal(
        ((await wrongType.json()) as { error: { code: string } }).error.code,
        'UNSUPPORTED_MEDIA_TYPE',
      );

      const missing = await post('/api/v1/accounts', client.auth, { userReference: 'x' });
      assert.equal(missing.status, 422);

      const oversize = await post('/api/v1/accounts', client.auth, {
        ...accountBody(),
        userReference: 'x'.repeat(100 * 1024),
      });
      assert.equal(oversize.status, 413);
      assert.equal(((await oversize.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
    });

    it('starts a new execution for an existing account with PUT', async () => {
      const client = await createTestClient(app);
      const first = await createAccount(app, client);
      const second = await app.request(`/api/v1/accounts/${first.account.id}`, {
        method: 'PUT',
        headers: { ...client.auth, 'content-type': 'application/json' },
        body: JSON.stringify(accountBody()),
      });
      assert.equal(second.status, 200);
      const again = CreateAccountResponse.parse(await second.json());
      assert.equal(again.account.id, first.account.id);
      assert.notEqual(again.workflowExecution.id, first.workflowExecution.id);
      assert.notEqual(again.sdk.token, first.sdk.token);
      const list = await app.request(`/api/v1/accounts/${first.account.id}/workflow-executions`, {
        headers: client.auth,
      });
      assert.equal(ExecutionList.parse(await list.json()).totalCount, 2);
    });

    it('shows a client only its own accounts', async () => {
      const owner = await createTestClient(app, ['https://shop.example'], 'Owner');
      const other = await createTestClient(app, ['https://shop.example'], 'Other');
      const created = await createAccount(app, owner);
      const base = `/api/v1/accounts/${created.account.id}`;
      const executionPath = `${base}/workflow-executions/${created.workflowExecution.id}`;
      const asOwner = await app.request(executionPath, { headers: owner.auth });
      assert.equal(asOwner.status, 200);
      for (const [method, path] of [
        ['GET', executionPath],
        ['GET', `${executionPath}/status`],
        ['GET', `${base}/workflow-executions`],
        ['DELETE', executionPath],
        ['DELETE', base],
      ] as const) {
        const response = await app.request(path, { method, headers: other.auth });
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
      }
      const newExecution = await app.request(base, {
        method: 'PUT',
        headers: { ...other.auth, 'content-type': 'application/json' },
        body: JSON.stringify(accountBody()),
      });
      assert.equal(newExecution.status, 404);
      // Still intact for the owner.
      const stillThere = await app.request(executionPath, { headers: owner.auth });
      assert.equal(
        ((await stillThere.json()) as { workflow: { userReference: string } }).workflow.userReference,
        'user-42',
      );
    });

    it('serves an OpenAPI 3.1 document generated from the shared schemas', async () => {
      const response = await app.request('/openapi.json');
      assert.equal(response.status, 200);
      const doc = (await response.json()) as {
        openapi: string;
        info: { title: string };
        paths: Record<
          string,
          Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>
        >;
        components: {
          schemas: Record<string, { type?: string; additionalProperties?: unknown }>;
          securitySchemes: Record<string, unknown>;
        };
      };
      assert.equal(doc.openapi, '3.1.0');
      assert.equal(doc.info.title, 'idv-server');
      for (const path of [
        '/oauth2/token',
        '/api/v1/accounts',
        '/api/v1/accounts/{accountId}',
        '/api/v1/accounts/{accountId}/workflow-executions',
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/parts/{classifier}',
        '/api/v1/session',
        '/api/v1/session/consent',
        '/api/v1/session/document',
        '/health',
      ]) {
        assert.ok(doc.paths[path], `missing path ${path}`);
      }
      assert.deepEqual(
        Object.keys(
          doc.paths['/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}'],
        ).sort(),
        ['delete', 'get', 'put'],
      );
      assert.equal(
        doc.paths['/api/v1/accounts'].post.requestBody?.content['application/json'].schema.$ref,
        '#/components/schemas/CreateAccountRequest',
      );
      // Strict request objects are documented as closed.
      assert.equal(doc.components.schemas.CreateAccountRequest.additionalProperties, false);
      assert.ok(doc.components.schemas.CreateAccountResponse);
      assert.ok(doc.components.securitySchemes.bearerAuth);
    });

    it('answers the operations endpoints', async () => {
      assert.equal(await (await app.request('/ping')).text(), 'pong');
      assert.equal((await app.request('/livez')).status, 200);
      const ready = await app.request('/readyz');
      assert.equal(ready.status, 200);
      const health = await app.request('/health');
      assert.equal(health.status, 200);
      const healthBody = (await health.json()) as { status: string; checks: Record<string, string> };
      assert.equal(healthBody.status, 'ok');
      assert.deepEqual(healthBody.checks, { database: 'ok', blobStore: 'ok' });
      const version = (await (await app.request('/version')).json()) as { name: string; version: string };
      assert.equal(version.name, 'idv-server');
      assert.match(version.version, /^\d+\.\d+\.\d+/);
      const metrics = await (await app.request('/metrics')).text();
      assert.match(metrics, /# TYPE idv_http_requests_total counter/);
      assert.match(metrics, /idv_http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
      assert.match(metrics, /idv_http_request_duration_seconds_count\{method="GET",route="\/readyz"\} 1/);
      const missing = await app.request('/nothing-here');
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    });
  });
}
