/**
 * Helpers for server tests: an in-process app on a test database, API clients with access tokens, a real JPEG,
 * and a real `idv-server` child process for end-to-end tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import sharp from 'sharp';
import { createApp, type IdvApp } from '../../src/server/app.js';
import { createClient } from '../../src/server/auth/clients.js';
import { type Clock, ManualClock } from '../../src/server/clock.js';
import { loadConfig, type ServerConfig } from '../../src/server/config.js';
import type { LivenessOptions } from '../../src/server/liveness/liveness-options.js';
import type { CreateAccountRequest, CreateAccountResponse } from '../../src/shared/api/index.js';
import type { TestDatabase } from './databases.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const PUBLIC_URL = 'http://idv.test';

export interface TestApp {
  idv: IdvApp;
  clock: ManualClock;
  dataDir: string;
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function openTestApp(
  target: TestDatabase,
  options: {
    clock?: ManualClock;
    config?: Partial<ServerConfig>;
    demo?: boolean;
    fetch?: typeof fetch;
    liveness?: Partial<LivenessOptions>;
  } = {},
): Promise<TestApp> {
  const handle = await target.open();
  const dataDir = mkdtempSync(join(tmpdir(), 'idv-server-test-'));
  const clock = options.clock ?? new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const config: ServerConfig = {
    ...loadConfig({ IDV_DATA_DIR: dataDir, IDV_PUBLIC_URL: PUBLIC_URL }),
    ...options.config,
  };
  const idv = await createApp({
    config,
    clock: clock as Clock,
    db: handle.db,
    logger: pino({ level: 'silent' }),
    demo: options.demo,
    ...(options.liveness ? { liveness: options.liveness } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // No DNS here: callback hosts resolve to one public address, so the SSRF policy runs as in production.
    resolveCallbackHost: async () => [{ address: '93.184.215.14', family: 4 }],
  });
  return {
    idv,
    clock,
    dataDir,
    request: (path, init) => Promise.resolve(idv.app.request(path, init)),
    async close() {
      await idv.close();
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestClient {
  id: string;
  secret: string;
  webhookSecret: string;
  accessToken: string;
  auth: { authorization: string };
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Creates a client the way the CLI does and fetches an access token through `POST /oauth2/token`. */
export async function createTestClient(
  app: TestApp,
  allowedOrigins: string[] = ['https://shop.example'],
  name = 'Test shop',
): Promise<TestClient> {
  const client = await createClient(app.idv.ctx.db, { name, allowedOrigins, now: app.clock.now() });
  const response = await app.request('/oauth2/token', {
    method: 'POST',
    headers: {
      authorization: basicAuth(client.id, client.secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (response.status !== 200)
    throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  const { access_token } = (await response.json()) as { access_token: string };
  return {
    id: client.id,
    secret: client.secret,
    webhookSecret: client.webhookSecret,
    accessToken: access_token,
    auth: { authorization: `Bearer ${access_token}` },
  };
}

/** A Jumio-like account creation body. */
export function accountBody(overrides: Partial<CreateAccountRequest> = {}): CreateAccountRequest {
  return {
    customerInternalReference: 'order-4711',
    userReference: 'user-42',
    workflowDefinition: {
      key: 10011,
      credentials: [
        {
          category: 'ID',
          type: { values: ['ID_CARD', 'PASSPORT', 'DRIVING_LICENSE'] },
          country: { values: ['DEU', 'USA'] },
        },
        { category: 'SELFIE' },
      ],
    },
    callbackUrl: 'https://shop.example/idv/callback',
    tokenLifetime: '30m',
    web: { successUrl: 'https://shop.example/done', errorUrl: 'https://shop.example/failed', locale: 'de' },
    liveness: { mode: 'passive' },
    ...overrides,
  };
}

export async function createAccount(
  app: TestApp,
  client: TestClient,
  body: CreateAccountRequest = accountBody(),
): Promise<CreateAccountResponse> {
  const response = await app.request('/api/v1/accounts', {
    method: 'POST',
    headers: { ...client.auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201)
    throw new Error(`account creation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as CreateAccountResponse;
}

/** A real JPEG with texture (noise over a gradient), so it survives validation and re-encoding like a photo. */
export async function makeJpeg(width = 1200, height = 800, seed = 1): Promise<Buffer> {
  const channels = 3;
  const pixels = Buffer.alloc(width * height * channels);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < pixels.length; i += 1) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const x = (i / channels) % width;
    pixels[i] = Math.min(255, Math.round((x / width) * 180) + (state >>> 26));
  }
  return sharp(pixels, { raw: { width, height, channels } }).jpeg({ quality: 90 }).toBuffer();
}

export function uploadForm(bytes: Uint8Array, filename = 'capture.jpg', type = 'image/jpeg'): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename);
  return form;
}

/** Absolute part URL of a creation response → path for `app.request`. */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Where every spawned server's output is also written, one file per process, so the last e2e test can check the
 * whole run's logs for answers that were the server's fault (`test/e2e/zz-server-logs.test.ts`).
 */
export const SERVER_LOG_DIR = join(REPO_ROOT, 'test-results', 'server-logs');

/** Spawns `node bin/idv-server.js serve` with PORT=0 and waits for its "listening on" line. */
export async function spawnServer(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/idv-server.js'), 'serve', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', IDV_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  mkdirSync(SERVER_LOG_DIR, { recursive: true });
  const log = createWriteStream(join(SERVER_LOG_DIR, `${Date.now()}-${child.pid}.log`));
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('exit', () => log.end());
  let output = '';
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /idv-server listening on (http:\/\/localhost:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolvePromise) => {
        child.once('exit', (code) => resolvePromise(code));
        child.kill(signal);
      });
    },
  };
}

/** Runs an `idv-server` CLI command to completion. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/idv-server.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** `idv-server client create … --json` against `env`'s data: the new client's id and secret (throws on failure). */
export async function createClientWithCli(
  env: Record<string, string>,
  name: string,
  allowedOrigin: string,
): Promise<{ clientId: string; clientSecret: string }> {
  const cli = await runCli(
    ['client', 'create', '--name', name, '--allowed-origin', allowedOrigin, '--json'],
    env,
  );
  if (cli.code !== 0) throw new Error(`client create failed: ${cli.stderr}`);
  return JSON.parse(cli.stdout) as { clientId: string; clientSecret: string };
}

export function widgetAuth(created: CreateAccountResponse): { authorization: string } {
  return { authorization: `Bearer ${created.sdk.token}` };
}

/** Consent, document choice and FRONT/BACK/FACE uploads through the widget API, as the widget does them. */
export async function captureEverything(
  app: TestApp,
  created: CreateAccountResponse,
  document: { type: string; country: string } = { type: 'ID_CARD', country: 'DEU' },
): Promise<void> {
  const headers = { ...widgetAuth(created), 'content-type': 'application/json' };
  const steps: Array<[string, string, unknown]> = [
    ['POST', '/api/v1/session/consent', { accepted: true, version: '2026-01' }],
    ['PUT', '/api/v1/session/document', document],
  ];
  for (const [method, path, body] of steps) {
    const response = await app.request(path, { method, headers, body: JSON.stringify(body) });
    if (response.status !== 200)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  }
  let seed = 1;
  for (const credential of created.workflowExecution.credentials) {
    for (const url of Object.values(credential.api?.parts ?? {})) {
      if (!url) continue;
      if (document.type === 'PASSPORT' && url.endsWith('/BACK')) continue;
      seed += 1;
      const response = await app.request(pathOf(url), {
        method: 'POST',
        headers: widgetAuth(created),
        body: uploadForm(await makeJpeg(800, 600, seed)),
      });
      if (response.status !== 201)
        throw new Error(`upload ${url}: ${response.status} ${await response.text()}`);
    }
  }
}

/** A fetch stand-in for the webhook outbox that records what would have been sent. */
export function recordingFetch(): {
  fetch: typeof fetch;
  calls: Array<{ url: string; body: string; headers: Headers }>;
} {
  const calls: Array<{ url: string; body: string; headers: Headers }> = [];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), body: String(init?.body ?? ''), headers: new Headers(init?.headers) });
    return new Response('ok', { status: 200 });
  }) as typeof fetch;
  return { fetch: fake, calls };
}
