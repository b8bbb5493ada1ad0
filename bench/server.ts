/**
 * Server throughput on loopback: autocannon against a real `idv-server` child process (its own CPU and memory),
 * for account creation, session reads and 1 MB JPEG part uploads. RSS is read from the server's /metrics.
 *
 * The machine is shared, so each row also carries the 1-minute load average when the scenario started and the
 * server's own CPU time per request (from /proc, Linux only): req/s moves with the load, CPU ms/request much less.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { basicAuth, createClientWithCli, spawnServer } from '../test/support/server.js';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  '2xx': number;
}
type Autocannon = (opts: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  connections?: number;
  duration?: number;
}) => Promise<AutocannonResult>;

// autocannon ships no types; this is the slice used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DURATION_S = Number(process.env.IDV_BENCH_SECONDS) || 5;

/** A photo-like JPEG of about `targetBytes` (noise compresses poorly, so size tracks pixel count). */
async function jpegOfSize(targetBytes: number): Promise<Buffer> {
  let side = 900;
  for (;;) {
    const raw = Buffer.alloc(side * side * 3);
    let state = 7;
    for (let i = 0; i < raw.length; i += 1) {
      state = (state * 1664525 + 1013904223) >>> 0;
      raw[i] = (i % 255) / 2 + (state >>> 25);
    }
    const jpeg = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer();
    if (jpeg.length >= targetBytes || side >= 4000) return jpeg;
    side = Math.round(side * Math.sqrt(targetBytes / jpeg.length) * 1.02);
  }
}

function multipart(file: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----idvbench${Date.now().toString(16)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="front.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: Buffer.concat([head, file, tail]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** User + system CPU time of a process in ms, or undefined where /proc is not available. */
function processCpuMs(pid: number | undefined): number | undefined {
  try {
    // Fields after the `(comm)`: utime and stime are the 12th and 13th, in clock ticks (100 Hz on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function serverRssMb(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const bytes = Number(/^idv_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0);
  return Math.round(bytes / 1024 / 1024);
}

export async function benchServer(): Promise<{ rows: Array<Record<string, string | number>> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'idv-bench-'));
  const env = { IDV_DATA_DIR: dataDir, IDV_LOG_LEVEL: 'warn' };
  const client = await createClientWithCli(env, 'Bench', 'https://shop.example');
  const server = await spawnServer(env);
  try {
    const tokenResponse = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(client.clientId, client.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const oauth = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
    const accountBody = JSON.stringify({
      customerInternalReference: 'bench',
      workflowDefinition: { key: 10011 },
      tokenLifetime: '7d',
      web: { successUrl: 'https://shop.example/ok', errorUrl: 'https://shop.example/ko' },
    });
    const created = (await (
      await fetch(`${server.url}/api/v1/accounts`, { method: 'POST', headers: oauth, body: accountBody })
    ).json()) as {
      sdk: { token: string };
      workflowExecution: { credentials: Array<{ api: { parts: { front?: string } } }> };
    };
    const widget = { authorization: `Bearer ${created.sdk.token}` };
    const jpeg = await jpegOfSize(1024 * 1024);
    const upload = multipart(jpeg);

    const scenarios: Array<{ name: string; connections: number; opts: Parameters<Autocannon>[0] }> = [
      {
        name: 'POST /api/v1/accounts',
        connections: 10,
        opts: { url: `${server.url}/api/v1/accounts`, method: 'POST', headers: oauth, body: accountBody },
      },
      {
        name: 'GET /api/v1/session',
        connections: 10,
        opts: { url: `${server.url}/api/v1/session`, headers: widget },
      },
      // 4 connections as in the first measurement; 8 is where throughput is measured (the event loop and
      // libvips' thread pool both stay busy).
      ...[4, 8].map((connections) => ({
        name: `PUT part FRONT (${Math.round(jpeg.length / 1024)} KiB JPEG)`,
        connections,
        opts: {
          url: created.workflowExecution.credentials[0].api.parts.front as string,
          method: 'PUT',
          headers: { ...widget, 'content-type': upload.contentType },
          body: upload.body,
        },
      })),
    ];
    const rows: Array<Record<string, string | number>> = [];
    for (const scenario of scenarios) {
      const load = loadavg()[0];
      const cpuBefore = processCpuMs(server.child.pid);
      const result = await autocannon({
        ...scenario.opts,
        connections: scenario.connections,
        duration: DURATION_S,
      });
      const cpuAfter = processCpuMs(server.child.pid);
      const answered = result['2xx'] + result.non2xx;
      rows.push({
        scenario: scenario.name,
        connections: scenario.connections,
        'load avg 1m': Math.round(load * 10) / 10,
        'req/s': Math.round(result.requests.average * 10) / 10,
        'p50 ms': result.latency.p50,
        'p99 ms': result.latency.p99,
        '2xx': result['2xx'],
        'non-2xx': result.non2xx,
        errors: result.errors,
        'server CPU ms/req':
          cpuBefore === undefined || cpuAfter === undefined || answered === 0
            ? ''
            : Math.round(((cpuAfter - cpuBefore) / answered) * 10) / 10,
        'server RSS MB': await serverRssMb(server.url),
      });
    }
    return { rows };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
