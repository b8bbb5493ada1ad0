/**
 * Issue #18: the attacker's probe, replayed against a real `idv-server` process. Each test runs one attack the probe
 * found working and asserts the safe answer the server gives now.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { CreateAccountResponse, ExecutionDetails, TokenResponse } from '../../src/shared/api/index.js';
import { polyglot, respell, scannedPdf, textPdf, withOpenAction } from '../support/image-pdfs.js';
import { zeroFilledPng } from '../support/malformed-images.js';
import {
  basicAuth,
  makeJpeg,
  runCli,
  type ServerProcess,
  spawnServer,
  uploadForm,
} from '../support/server.js';

const METRICS_TOKEN = 'metrics-secret-e2e';
const ADMIN_TOKEN = 'admin-secret-e2e';
const NODE_ID = 'e2e-attack-node';

type ErrorBody = { error: { code: string } };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Serialises a FormData as fetch would, so a test can send the bytes itself (slowly, or cut short). */
async function encodeForm(form: FormData): Promise<{ body: Buffer; type: string }> {
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), type: request.headers.get('content-type') ?? '' };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('attacks from the probe (issue #18), against a real server', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'idv-attacks-'));
  // Not created beforehand: the server creates it, owner-only.
  const dataDir = join(root, 'data');
  const env = {
    IDV_DATA_DIR: dataDir,
    IDV_POLL_MS: '100',
    IDV_METRICS_TOKEN: METRICS_TOKEN,
    IDV_ADMIN_TOKEN: ADMIN_TOKEN,
    IDV_NODE_ID: NODE_ID,
    IDV_REQUEST_TIMEOUT_MS: '3000',
    IDV_HEADERS_TIMEOUT_MS: '2000',
    // As behind a proxy: lets the rate-limit test come from many addresses.
    IDV_TRUST_PROXY: '1',
  };
  let server: ServerProcess;
  let shop: { clientId: string; clientSecret: string; webhookSecret: string };
  const origin = 'https://shop.example';

  before(async () => {
    const cli = await runCli(
      ['client', 'create', '--name', 'Attacked shop', '--allowed-origin', origin, '--json'],
      env,
    );
    assert.equal(cli.code, 0, cli.stderr);
    shop = JSON.parse(cli.stdout) as typeof shop;
    server = await spawnServer(env);
  });

  after(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function accessToken(secret = shop.clientSecret): Promise<Response> {
    return fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(shop.clientId, secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
  }

  let bearer: string | undefined;
  async function api(): Promise<{ authorization: string }> {
    if (!bearer) {
      const response = await accessToken();
      assert.equal(response.status, 200);
      bearer = TokenResponse.parse(await response.json()).access_token;
    }
    return { authorization: `Bearer ${bearer}` };
  }

  async function createAccount(extra: Record<string, unknown> = {}): Promise<Response> {
    return fetch(`${server.url}/api/v1/accounts`, {
      method: 'POST',
      headers: { ...(await api()), 'content-type': 'application/json' },
      body: JSON.stringify({
        customerInternalReference: 'attack',
        workflowDefinition: { key: 10011, credentials: [{ category: 'ID' }, { category: 'SELFIE' }] },
        web: { successUrl: `${origin}/ok`, errorUrl: `${origin}/ko` },
        ...extra,
      }),
    });
  }

  async function newExecution(): Promise<CreateAccountResponse> {
    const response = await createAccount();
    assert.equal(response.status, 201, await response.clone().text());
    return CreateAccountResponse.parse(await response.json());
  }

  async function prepare(
    created: CreateAccountResponse,
    type = 'ID_CARD',
  ): Promise<{ authorization: string }> {
    const widget = { authorization: `Bearer ${created.sdk.token}` };
    for (const [method, path, body] of [
      ['POST', '/api/v1/session/consent', { accepted: true }],
      ['PUT', '/api/v1/session/document', { type, country: 'DEU' }],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...widget, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200);
    }
    return widget;
  }

  async function upload(url: string, widget: { authorization: string }, bytes: Uint8Array, name = 'x.jpg') {
    return fetch(url, {
      method: 'PUT',
      headers: widget,
      body: uploadForm(bytes, name, 'application/octet-stream'),
    });
  }

  async function waitForProcessed(executionHref: string): Promise<ExecutionDetails> {
    for (;;) {
      const details = ExecutionDetails.parse(
        await (await fetch(executionHref, { headers: await api() })).json(),
      );
      if (details.workflow.status === 'PROCESSED') return details;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('1. an upload held open across finalize is refused and the decision keeps the finalized evidence', async () => {
    const created = await newExecution();
    const widget = await prepare(created);
    const [id, selfie] = created.workflowExecution.credentials;
    const front = await makeJpeg(1000, 700, 101);
    for (const [url, bytes] of [
      [id.api!.parts.front, front],
      [id.api!.parts.back, await makeJpeg(1000, 700, 102)],
      [selfie.api!.parts.face, await makeJpeg(800, 800, 103)],
    ] as const) {
      assert.equal((await upload(url as string, widget, bytes)).status, 201);
    }
    // The swap: a PUT of another FRONT, all but its last bytes sent, held open across finalize.
    const swap = await encodeForm(uploadForm(await makeJpeg(1000, 700, 999)));
    const frontUrl = new URL(id.api!.parts.front as string);
    const held = httpRequest({
      host: frontUrl.hostname,
      port: frontUrl.port,
      path: frontUrl.pathname,
      method: 'PUT',
      headers: { ...widget, 'content-type': swap.type, 'content-length': swap.body.length },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      held.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      held.on('error', reject);
    });
    held.write(swap.body.subarray(0, swap.body.length - 16));
    // The server has the headers and is reading the body (authorised while the execution was open).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const finalize = await fetch(id.api!.workflowExecution, { method: 'PUT', headers: widget });
    assert.equal(finalize.status, 200, 'finalize answers while the upload is held');
    held.end(swap.body.subarray(swap.body.length - 16));
    const late = await answer;
    assert.equal(late.status, 409, late.body);
    assert.equal((JSON.parse(late.body) as ErrorBody).error.code, 'EXECUTION_NOT_ACTIVE');

    const details = await waitForProcessed(id.api!.workflowExecution);
    const used = details.decision?.parts?.find((part) => part.classifier === 'FRONT');
    const listed = details.credentials[0]?.parts.find((part) => part.classifier === 'FRONT');
    assert.equal(used?.sha256, listed?.sha256, 'the decision names the part retrieval lists');
    const served = Buffer.from(
      await (await fetch(listed?.href as string, { headers: await api() })).arrayBuffer(),
    );
    assert.equal(sha256(served), used?.sha256, 'retrieval serves the bytes decided on');
    const blobDir = join(dataDir, 'blobs', 'executions', created.workflowExecution.id);
    assert.equal(filesUnder(blobDir).length, 3, 'the late upload’s blob was discarded');
  });

  it('2. callback URLs into the server’s own network are refused, however spelled', async () => {
    const port = new URL(server.url).port;
    for (const callbackUrl of [
      `http://127.0.0.1:${port}/api/v1/accounts`,
      `http://127.1:${port}/x`,
      `http://2130706433:${port}/x`,
      `http://0x7f000001:${port}/x`,
      `http://[::1]:${port}/x`,
      `https://127.0.0.1:${port}/x`,
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.1/x',
      'https://metadata.google.internal/computeMetadata/v1/',
      'https://user:pass@hooks.shop.example/x',
    ]) {
      const response = await createAccount({ callbackUrl });
      assert.equal(response.status, 422, callbackUrl);
      assert.ok(
        ['CALLBACK_URL_FORBIDDEN', 'INSECURE_URL'].includes(
          ((await response.json()) as ErrorBody).error.code,
        ),
        callbackUrl,
      );
    }
  });

  it('3. PDF bypasses are refused, and a polyglot is stored as a PDF of its picture only', async () => {
    const created = await newExecution();
    const widget = await prepare(created);
    const front = created.workflowExecution.credentials[0].api!.parts.front as string;
    const scripted = await scannedPdf({ extend: (doc) => withOpenAction(doc, { s: 'S', js: 'JS' }) });
    const attacks: Array<[string, Buffer, number, string]> = [
      ['/J#61vaScript', respell(scripted, '/JavaScript', '/J#61vaScript'), 415, 'PDF_ACTIVE_CONTENT'],
      ['/J#53', respell(scripted, '/JS (', '/J#53 ('), 415, 'PDF_ACTIVE_CONTENT'],
      [
        'JavaScript in a compressed object stream',
        await scannedPdf({
          useObjectStreams: true,
          extend: (doc) => withOpenAction(doc, { s: 'S', js: 'JS' }),
        }),
        415,
        'PDF_ACTIVE_CONTENT',
      ],
      ['a text PDF', await textPdf(), 422, 'PDF_NOT_IMAGE_ONLY'],
      [
        '%PDF + garbage',
        Buffer.from('%PDF-1.7\n<html><script>1</script></html>\n%%EOF\n'),
        422,
        'CORRUPT_IMAGE',
      ],
    ];
    for (const [name, bytes, status, code] of attacks) {
      const response = await upload(front, widget, bytes, 'scan.pdf');
      assert.equal(response.status, status, name);
      assert.equal(((await response.json()) as ErrorBody).error.code, code, name);
    }
    const accepted = await upload(front, widget, polyglot(await scannedPdf()), 'scan.pdf');
    assert.equal(accepted.status, 201);
    const stored = await fetch(front, { headers: await api() });
    assert.equal(stored.headers.get('content-type'), 'application/pdf');
    const text = Buffer.from(await stored.arrayBuffer()).toString('latin1');
    assert.ok(text.startsWith('%PDF-'));
    assert.doesNotMatch(text, /<script|<html|Jane Q\. Holder/);
  });

  it('4. wrong secrets for a known id are rate limited; the CLI and admin API revoke access at once', async () => {
    // A botnet: every wrong secret from another address (the server trusts its proxy's X-Forwarded-For here).
    const tokenFrom = (address: string, id: string, secret: string) =>
      fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(id, secret),
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': address,
        },
        body: 'grant_type=client_credentials',
      });
    // A known id that asked for nothing yet (the shop's own first token counts in its bucket too).
    const target = await runCli(['client', 'create', '--name', 'Target', '--json'], env);
    const known = (JSON.parse(target.stdout) as { clientId: string }).clientId;
    // Fixed one-minute windows: a window may end during a loop, so count attempts until the first 429 (within two
    // windows' worth) and check none was refused before the limit.
    const untilLimited = async (attempt: (i: number) => Promise<Response>) => {
      const statuses: number[] = [];
      for (let i = 0; i < 61 && statuses.at(-1) !== 429; i += 1) statuses.push((await attempt(i)).status);
      return statuses;
    };
    const wrong = await untilLimited((i) => tokenFrom(`203.0.113.${i}`, known, `wrong-${i}`));
    assert.equal(wrong.at(-1), 429, 'the client id is limited, whatever the address');
    assert.ok(wrong.length > 30 && wrong.slice(0, -1).every((status) => status === 401), String(wrong));
    // One address trying many ids (unknown ones cost the same scrypt) is limited too.
    const sprayed = await untilLimited((i) => tokenFrom('198.51.100.7', `idv_c_guess${i}`, 'x'));
    assert.equal(sprayed.at(-1), 429, 'the address is limited, whatever the id');
    assert.ok(sprayed.length > 30 && sprayed.slice(0, -1).every((status) => status === 401), String(sprayed));
    const limited = await tokenFrom('198.51.100.7', 'idv_c_guess', 'x');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200, 'the server keeps answering');

    // Lifecycle on a second client, through the CLI (same database, server running).
    const created = await runCli(
      ['client', 'create', '--name', 'Second', '--allowed-origin', origin, '--json'],
      env,
    );
    const second = JSON.parse(created.stdout) as { clientId: string; clientSecret: string };
    let hop = 0;
    const token = (secret: string) => {
      hop += 1;
      return tokenFrom(`192.0.2.${hop}`, second.clientId, secret);
    };
    const issued = TokenResponse.parse(await (await token(second.clientSecret)).json()).access_token;
    const retrieval = () =>
      fetch(`${server.url}/api/v1/accounts/none/workflow-executions`, {
        headers: { authorization: `Bearer ${issued}` },
      });
    assert.equal((await retrieval()).status, 404, 'a working token');
    const rotated = await runCli(['client', 'rotate-secret', second.clientId, '--json'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal((await retrieval()).status, 401, 'revoked by rotate-secret at once');
    assert.equal((await token(second.clientSecret)).status, 401, 'the old secret is dead');
    const newSecret = (JSON.parse(rotated.stdout) as { clientSecret: string }).clientSecret;
    assert.equal((await token(newSecret)).status, 200);
    const disabled = await runCli(['client', 'disable', second.clientId], env);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.equal((await token(newSecret)).status, 401, 'a disabled client gets no token');
    const listed = await runCli(['client', 'list', '--json'], env);
    const clients = JSON.parse(listed.stdout) as Array<{ id: string; disabledAt: string | null }>;
    assert.ok(clients.find((client) => client.id === second.clientId)?.disabledAt);
    assert.doesNotMatch(listed.stdout, /idv_cs_|whsec_/);
    const webhook = await fetch(`${server.url}/admin/v1/clients/${shop.clientId}/rotate-webhook-secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(webhook.status, 200);
    assert.equal((await fetch(`${server.url}/admin/v1/clients`)).status, 401, 'admin API needs its token');
  });

  it('5. bombs, part floods and slow bodies are refused; /health stays up', async () => {
    const created = await newExecution();
    const widget = { authorization: `Bearer ${created.sdk.token}` };
    const face = created.workflowExecution.credentials[1].api!.parts.face as string;
    const bomb = zeroFilledPng(5000, 5000, { bitDepth: 16, colorType: 6, channels: 4 });
    const bombAnswer = await upload(face, widget, bomb, 'bomb.png');
    assert.equal(bombAnswer.status, 422);
    assert.equal(((await bombAnswer.json()) as ErrorBody).error.code, 'DECOMPRESSION_BOMB');

    const boundary = 'flood';
    const flood = `--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n\r\n`.repeat(100_000);
    const floodAnswer = await fetch(face, {
      method: 'PUT',
      headers: { ...widget, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `${flood}--${boundary}--\r\n`,
    });
    assert.equal(floodAnswer.status, 400);
    assert.equal(((await floodAnswer.json()) as ErrorBody).error.code, 'BAD_REQUEST');

    // A body that never finishes: the server ends the request at its request timeout (3 s here), not after 5 min.
    const { port } = new URL(server.url);
    const closed = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `PUT ${new URL(face).pathname} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${widget.authorization}\r\n` +
            'Content-Type: image/jpeg\r\nContent-Length: 1000000\r\n\r\nabc',
        );
      });
      let reply = '';
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString();
      });
      socket.on('close', () => resolve(reply));
    });
    assert.match(closed, /^HTTP\/1\.1 408/);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });

  it('6. leaks: hosted page, CORS, file modes, idempotency, wiped status, metrics', async () => {
    const created = await newExecution();
    const widget = await prepare(created);
    const probe = await fetch(`${server.url}/web/v1/app?workflowExecutionId=${created.workflowExecution.id}`);
    const page = await probe.text();
    assert.doesNotMatch(page, new RegExp(created.account.id), 'no account id without the token');
    assert.doesNotMatch(page, /shop\.example/, 'no redirect URLs or origins without the token');

    const rival = await runCli(
      ['client', 'create', '--name', 'Rival', '--allowed-origin', 'https://rival.example'],
      env,
    );
    assert.equal(rival.code, 0);
    const cross = await fetch(`${server.url}/api/v1/session`, {
      headers: { ...widget, origin: 'https://rival.example' },
    });
    assert.equal(cross.headers.get('access-control-allow-origin'), null, 'only the token owner’s origins');
    const own = await fetch(`${server.url}/api/v1/session`, { headers: { ...widget, origin } });
    assert.equal(own.headers.get('access-control-allow-origin'), origin);
    const preflight = await fetch(`${server.url}/api/v1/accounts`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    assert.equal(
      preflight.headers.get('access-control-allow-origin'),
      null,
      'no preflight for server-to-server',
    );

    const face = created.workflowExecution.credentials[1].api!.parts.face as string;
    const keyed = { ...widget, 'idempotency-key': 'face-once' };
    const first = await fetch(face, {
      method: 'PUT',
      headers: keyed,
      body: uploadForm(await makeJpeg(800, 800, 7)),
    });
    assert.equal(first.status, 201);
    const other = await fetch(face, {
      method: 'PUT',
      headers: keyed,
      body: uploadForm(await makeJpeg(800, 800, 8)),
    });
    assert.equal(other.status, 409);
    assert.equal(((await other.json()) as ErrorBody).error.code, 'IDEMPOTENCY_KEY_MISMATCH');

    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, 'idv.sqlite')).mode & 0o777, 0o600);
    const blobs = filesUnder(join(dataDir, 'blobs', 'executions', created.workflowExecution.id));
    assert.ok(blobs.length > 0);
    for (const file of blobs) assert.equal(statSync(file).mode & 0o077, 0, file);

    const wiped = await fetch(created.workflowExecution.credentials[0].api!.workflowExecution, {
      method: 'DELETE',
      headers: await api(),
    });
    assert.equal(wiped.status, 204);
    const status = await fetch(`${created.workflowExecution.credentials[0].api!.workflowExecution}/status`, {
      headers: await api(),
    });
    assert.equal(
      ((await status.json()) as { workflowExecution: { status: string } }).workflowExecution.status,
      'WIPED_OUT',
    );

    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    const metrics = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /idv_http_requests_total/);
  });

  it('6b. a bind address keeps the server off other interfaces; connections past the cap are closed', async () => {
    const bound = await spawnServer({ ...env, IDV_BIND_ADDRESS: '127.0.0.1', IDV_MAX_CONNECTIONS: '3' });
    try {
      const { port } = new URL(bound.url);
      // Three idle connections fill the cap; the fourth is closed by the server without an answer.
      const idle = await Promise.all(
        [1, 2, 3].map(
          () =>
            new Promise<ReturnType<typeof connect>>((resolve) => {
              const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
            }),
        ),
      );
      const fourth = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
        });
        let reply = '';
        socket.on('data', (chunk: Buffer) => {
          reply += chunk.toString();
        });
        socket.on('close', () => resolve(reply));
        socket.on('error', () => resolve(reply));
      });
      assert.equal(fourth, '', 'refused past the connection cap');
      for (const socket of idle) socket.destroy();
      const reach = (host: string) =>
        new Promise<boolean>((resolve) => {
          const socket = connect(Number(port), host, () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        });
      assert.equal(await reach('127.0.0.1'), true);
      assert.equal(await reach('::1'), false, 'not listening on IPv6 loopback');
    } finally {
      await bound.stop();
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(new URL(server.url).port), '::1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    assert.equal(open, true, 'the default listens on every interface');
  });

  it('5b. a restarted node reclaims its own dead job at once and sweeps orphan .tmp blobs', {
    timeout: 120_000,
  }, async () => {
    const created = await newExecution();
    const widget = await prepare(created);
    const [id, selfie] = created.workflowExecution.credentials;
    for (const [url, seed] of [
      [id.api!.parts.front, 201],
      [id.api!.parts.back, 202],
      [selfie.api!.parts.face, 203],
    ] as const) {
      assert.equal((await upload(url as string, widget, await makeJpeg(900, 600, seed))).status, 201);
    }
    assert.equal((await fetch(id.api!.workflowExecution, { method: 'PUT', headers: widget })).status, 200);
    await server.stop('SIGKILL');
    // The job as the killed process left it (or would have, had the kill come a moment later): claimed by this
    // node's dead process, its lock good for five more minutes.
    const dead = server.child.pid as number;
    const nodeHash = createHash('sha256').update(NODE_ID).digest('hex').slice(0, 8);
    const database = new SQLite(join(dataDir, 'idv.sqlite'));
    try {
      const changed = database
        .prepare(
          "update jobs set status = 'running', attempts = 1, locked_until = ?, locked_by = ? where dedupe_key = ? and status != 'done'",
        )
        .run(
          new Date(Date.now() + 5 * 60_000).toISOString(),
          `${nodeHash}/${dead}/x/00000000000000000000000000000000`,
          `process:${created.workflowExecution.id}`,
        );
      assert.equal(changed.changes, 1, 'the job had not finished before the kill');
    } finally {
      database.close();
    }
    const tmpDir = join(dataDir, 'blobs', 'executions', 'orphans');
    mkdirSync(tmpDir, { recursive: true });
    const stale = join(tmpDir, 'FRONT-abc.1234.tmp');
    const fresh = join(tmpDir, 'FRONT-def.5678.tmp');
    writeFileSync(stale, 'half');
    writeFileSync(fresh, 'in flight');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(stale, hourAgo, hourAgo);

    server = await spawnServer(env);
    // A new port: the links of the first process do not reach this one.
    const details = await waitForProcessed(`${server.url}${new URL(id.api!.workflowExecution).pathname}`);
    assert.ok(details.decision, 'processed well before the dead lock would have expired');
    assert.equal(existsSync(stale), false, 'the orphan was swept');
    assert.equal(existsSync(fresh), true, 'a young .tmp may be a write in flight: kept');
  });
});
