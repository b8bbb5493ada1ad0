/**
 * No 500 for a client mistake, in the whole e2e run (issue #18). Runs last (file order): first it sends a real
 * server a catalogue of client mistakes, each of which must get a 4xx with a stable error code, then it reads the
 * logs of every server process this run spawned (`test-results/server-logs/`, emptied by `npm test` before the e2e
 * suite) and fails on any 5xx answer or unexpected error logged there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { API_ERROR_CODES } from '../../src/shared/error-codes.js';
import { CreateAccountResponse, TokenResponse } from '../../src/shared/api/index.js';
import {
  basicAuth,
  runCli,
  SERVER_LOG_DIR,
  type ServerProcess,
  spawnServer,
  uploadForm,
} from '../support/server.js';

/**
 * Log lines that mean a request failed on the server's side: a 500 answer (logged at error level, so it shows at
 * any log level) or the unexpected error behind it. 503 is left out: it is the honest answer of a busy server.
 */
function serverFaults(log: string): string[] {
  return log.split('\n').filter((line) => /"status":500/.test(line) || /"msg":"unexpected error"/.test(line));
}

describe('no 500 for client mistakes', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idv-mistakes-'));
  const env = {
    IDV_DATA_DIR: dataDir,
    IDV_POLL_MS: '100',
    IDV_ADMIN_TOKEN: 'admin-mistakes',
    IDV_HEADERS_TIMEOUT_MS: '2000',
  };
  let server: ServerProcess;
  let bearer: string;
  let created: CreateAccountResponse;

  before(async () => {
    const cli = await runCli(
      ['client', 'create', '--name', 'Clumsy', '--allowed-origin', 'https://c.example', '--json'],
      env,
    );
    const client = JSON.parse(cli.stdout) as { clientId: string; clientSecret: string };
    server = await spawnServer(env);
    const token = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(client.clientId, client.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    bearer = TokenResponse.parse(await token.json()).access_token;
    const account = await fetch(`${server.url}/api/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerInternalReference: 'x', workflowDefinition: { key: 10011 } }),
    });
    created = CreateAccountResponse.parse(await account.json());
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a catalogue of client mistakes with 4xx and a known code', async () => {
    const api = { authorization: `Bearer ${bearer}` };
    const widget = { authorization: `Bearer ${created.sdk.token}` };
    const json = { 'content-type': 'application/json' };
    const [id] = created.workflowExecution.credentials;
    const front = id?.api?.parts.front as string;
    const execution = id?.api?.workflowExecution as string;
    const url = (path: string) => `${server.url}${path}`;
    const mistakes: Array<[string, string, RequestInit]> = [
      ['token: no body', url('/oauth2/token'), { method: 'POST' }],
      ['token: JSON body', url('/oauth2/token'), { method: 'POST', headers: json, body: '{}' }],
      [
        'token: bad base64',
        url('/oauth2/token'),
        { method: 'POST', headers: { authorization: 'Basic %%%' } },
      ],
      [
        'token: unknown field',
        url('/oauth2/token'),
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: basicAuth('a', 'b'),
          },
          body: 'grant_type=client_credentials&evil=1',
        },
      ],
      [
        'accounts: broken JSON',
        url('/api/v1/accounts'),
        { method: 'POST', headers: { ...api, ...json }, body: '{"a":' },
      ],
      [
        'accounts: array body',
        url('/api/v1/accounts'),
        { method: 'POST', headers: { ...api, ...json }, body: '[]' },
      ],
      [
        'accounts: text/plain',
        url('/api/v1/accounts'),
        { method: 'POST', headers: { ...api, 'content-type': 'text/plain' }, body: 'x' },
      ],
      ['accounts: no auth', url('/api/v1/accounts'), { method: 'POST', headers: json, body: '{}' }],
      [
        'accounts: huge body',
        url('/api/v1/accounts'),
        { method: 'POST', headers: { ...api, ...json }, body: `"${'x'.repeat(200_000)}"` },
      ],
      [
        'accounts: bad lifetime',
        url('/api/v1/accounts'),
        {
          method: 'POST',
          headers: { ...api, ...json },
          body: JSON.stringify({
            customerInternalReference: 'x',
            workflowDefinition: { key: 10011 },
            tokenLifetime: '99y',
          }),
        },
      ],
      [
        'accounts: unknown id PUT',
        url('/api/v1/accounts/nope'),
        {
          method: 'PUT',
          headers: { ...api, ...json },
          body: JSON.stringify({ customerInternalReference: 'x', workflowDefinition: { key: 10011 } }),
        },
      ],
      [
        'details: overlong id',
        url(`/api/v1/accounts/${'a'.repeat(500)}/workflow-executions/b`),
        { headers: api },
      ],
      [
        'list: bad page',
        url(`/api/v1/accounts/${created.account.id}/workflow-executions?page=-1`),
        { headers: api },
      ],
      ['part GET: bad classifier', `${front.replace(/FRONT$/, 'SIDE')}`, { headers: api }],
      ['part GET: not uploaded', front, { headers: api }],
      ['session: bad token', url('/api/v1/session'), { headers: { authorization: 'Bearer nope' } }],
      ['session: malformed auth', url('/api/v1/session'), { headers: { authorization: 'Bearer' } }],
      [
        'consent: wrong type',
        url('/api/v1/session/consent'),
        { method: 'POST', headers: { ...widget, ...json }, body: '{"accepted":"yes"}' },
      ],
      [
        'document: not allowed',
        url('/api/v1/session/document'),
        { method: 'PUT', headers: { ...widget, ...json }, body: '{"type":"PASSPORT","country":"xx"}' },
      ],
      [
        'metadata: nested junk',
        url('/api/v1/session/capture-metadata'),
        { method: 'POST', headers: { ...widget, ...json }, body: '{"parts":{"FRONT":[[[[1]]]]}}' },
      ],
      ['upload: no file', front, { method: 'POST', headers: widget, body: new FormData() }],
      [
        'upload: text as image',
        front,
        { method: 'POST', headers: widget, body: uploadForm(Buffer.from('hello'), 'a.jpg') },
      ],
      [
        'upload: empty file',
        front,
        { method: 'POST', headers: widget, body: uploadForm(Buffer.alloc(0), 'a.jpg') },
      ],
      [
        'upload: no boundary',
        front,
        { method: 'POST', headers: { ...widget, 'content-type': 'multipart/form-data' }, body: 'x' },
      ],
      [
        'upload: raw text',
        front,
        { method: 'POST', headers: { ...widget, 'content-type': 'text/plain' }, body: 'x' },
      ],
      [
        'upload: truncated JPEG',
        front,
        {
          method: 'POST',
          headers: { ...widget, 'content-type': 'image/jpeg' },
          body: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]),
        },
      ],
      [
        'upload: PDF with nothing',
        front,
        {
          method: 'POST',
          headers: { ...widget, 'content-type': 'application/pdf' },
          body: '%PDF-1.4\n%%EOF\n',
        },
      ],
      [
        'upload: long idempotency key',
        front,
        {
          method: 'POST',
          headers: { ...widget, 'idempotency-key': 'k'.repeat(300) },
          body: uploadForm(Buffer.from('x'), 'a.jpg'),
        },
      ],
      ['delete: not uploaded', front, { method: 'DELETE', headers: widget }],
      ['finalize: missing parts', execution, { method: 'PUT', headers: widget }],
      [
        'liveness: unknown challenge',
        url('/api/v1/session/liveness/nope/complete'),
        { method: 'POST', headers: { ...widget, ...json }, body: '{"nonce":"x"}' },
      ],
      [
        'liveness: frame without form',
        url('/api/v1/session/liveness/nope/frames'),
        { method: 'POST', headers: { ...widget, ...json }, body: '{}' },
      ],
      ['handoff: unknown code', url('/web/v1/handoff/nope'), {}],
      ['admin: no token', url('/admin/v1/clients'), {}],
      [
        'admin: bad origin',
        url('/admin/v1/clients'),
        {
          method: 'POST',
          headers: { authorization: 'Bearer admin-mistakes', ...json },
          body: '{"name":"x","allowedOrigins":["ftp://x"]}',
        },
      ],
      ['unknown route', url('/api/v1/nothing'), {}],
      ['method not routed', url('/api/v1/session'), { method: 'PATCH', headers: widget }],
    ];
    for (const [name, target, init] of mistakes) {
      let response: Response;
      try {
        response = await fetch(target, init);
      } catch (error) {
        // A body over the limit is answered 413 before it is read, and the connection closed under the sender.
        if (name === 'accounts: huge body') continue;
        throw error;
      }
      assert.ok(response.status >= 400 && response.status < 500, `${name}: ${response.status}`);
      const body = await response.text();
      if (response.headers.get('content-type')?.includes('json')) {
        const code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
        assert.ok(
          code && (API_ERROR_CODES as readonly string[]).includes(code),
          `${name}: ${body.slice(0, 200)}`,
        );
      }
    }
    // Headers that never end: the server drops the connection at its headers timeout, answering 408 if at all.
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => {
        socket.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      });
      let reply = '';
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString();
      });
      socket.on('close', () => resolve(reply));
    });
    assert.match(raw, /^(HTTP\/1\.1 408|)/);
    assert.doesNotMatch(raw, /^HTTP\/1\.1 5/);
  });

  it('finds no 5xx and no unexpected error in any server log of this run', async () => {
    await server.stop();
    const logs = readdirSync(SERVER_LOG_DIR).filter((name) => name.endsWith('.log'));
    assert.ok(logs.length >= 1, 'at least this test’s own server log');
    const faults = logs.flatMap((name) =>
      serverFaults(readFileSync(join(SERVER_LOG_DIR, name), 'utf8')).map(
        (line) => `${name}: ${line.slice(0, 300)}`,
      ),
    );
    assert.deepEqual(faults, []);
    // The grep itself: a 500 line as the request logger writes it is found.
    assert.equal(serverFaults('{"level":50,"status":500,"msg":"request"}').length, 1);
  });
});
