/**
 * Issue #18's load probes, measured against a real `idv-server` process: `/health` latency while the token endpoint
 * is abused (wrong secrets for a known id from many addresses; unknown ids from many addresses), the time a wrong
 * secret takes for a known and an unknown id, and eight parallel decompression bombs (answer, `/health`, RSS).
 * Before this work the probe measured `/health` 2.7 s under ~62 wrong secrets/s and 2.3 s under eight bombs.
 * The machine is shared: medians with ranges, and the 1-minute load average per row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { zeroFilledPng } from '../test/support/malformed-images.js';
import { basicAuth, createClientWithCli, spawnServer, uploadForm } from '../test/support/server.js';

const SECONDS = Number(process.env.IDV_BENCH_SECONDS) || 5;
const METRICS_TOKEN = 'bench-metrics';

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const ms = (value: number) => Math.round(value * 10) / 10;

/** `/health` every 50 ms while `load` runs; returns the latencies in ms. */
async function healthDuring(url: string, load: Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let done = false;
  void load.finally(() => {
    done = true;
  });
  while (!done) {
    const started = performance.now();
    await fetch(`${url}/health`);
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return latencies;
}

/** `rate` requests per second for SECONDS, each from its own address; returns status counts. */
async function tokenFlood(
  url: string,
  rate: number,
  credentials: (i: number) => [string, string],
): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  const total = rate * SECONDS;
  for (let i = 0; i < total; i += 1) {
    const [id, secret] = credentials(i);
    pending.push(
      fetch(`${url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(id, secret),
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        },
        body: 'grant_type=client_credentials',
      }).then(
        (response) => {
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          void response.body?.cancel();
        },
        () => {
          statuses.error = (statuses.error ?? 0) + 1;
        },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
  }
  await Promise.all(pending);
  return statuses;
}

async function rss(url: string): Promise<number> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  return Number(/idv_process_resident_memory_bytes (\d+)/.exec(text)?.[1] ?? Number.NaN) / 1024 / 1024;
}

export async function benchHardening(): Promise<{ rows: Array<Record<string, string | number>> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'idv-bench-hardening-'));
  const env = { IDV_DATA_DIR: dataDir, IDV_TRUST_PROXY: '1', IDV_METRICS_TOKEN: METRICS_TOKEN };
  const rows: Array<Record<string, string | number>> = [];
  const client = await createClientWithCli(env, 'Bench', 'https://b.example');
  const server = await spawnServer(env);
  try {
    const idle = await healthDuring(server.url, new Promise((resolve) => setTimeout(resolve, 2000)));
    rows.push({
      scenario: 'idle',
      'health p50 ms': ms(quantile(idle, 0.5)),
      'health p99 ms': ms(quantile(idle, 0.99)),
      answers: '',
      load: loadavg()[0]?.toFixed(2) ?? '',
    });

    // Wrong and unknown ids cost the same: one scrypt each (fresh ids and addresses, so no limit interferes).
    const timing = async (id: (i: number) => string) => {
      const samples: number[] = [];
      for (let i = 0; i < 25; i += 1) {
        const started = performance.now();
        await fetch(`${server.url}/oauth2/token`, {
          method: 'POST',
          headers: {
            authorization: basicAuth(id(i), 'wrong'),
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': `172.16.${i}.${samples.length}`,
          },
          body: 'grant_type=client_credentials',
        });
        samples.push(performance.now() - started);
      }
      return samples;
    };
    const known = await timing(() => client.clientId);
    const unknown = await timing((i) => `idv_c_nobody${i}`);
    rows.push({
      scenario: 'wrong secret, known id (first 25, one address each)',
      'token p50 ms': ms(quantile(known, 0.5)),
      'token range ms': `${ms(Math.min(...known))}–${ms(Math.max(...known))}`,
      load: loadavg()[0]?.toFixed(2) ?? '',
    });
    rows.push({
      scenario: 'wrong secret, unknown id (25, one address each)',
      'token p50 ms': ms(quantile(unknown, 0.5)),
      'token range ms': `${ms(Math.min(...unknown))}–${ms(Math.max(...unknown))}`,
      load: loadavg()[0]?.toFixed(2) ?? '',
    });

    for (const [scenario, credentials] of [
      [
        '62 wrong secrets/s for the known id, each from another address',
        (i: number) => [client.clientId, `w${i}`],
      ],
      ['62 unknown ids/s, each from another address', (i: number) => [`idv_c_spray${i}`, 'x']],
    ] as Array<[string, (i: number) => [string, string]]>) {
      let answers: Record<string, number> = {};
      const load = tokenFlood(server.url, 62, credentials).then((statuses) => {
        answers = statuses;
      });
      const latencies = await healthDuring(server.url, load);
      rows.push({
        scenario,
        'health p50 ms': ms(quantile(latencies, 0.5)),
        'health p99 ms': ms(quantile(latencies, 0.99)),
        answers: Object.entries(answers)
          .map(([status, count]) => `${status}×${count}`)
          .join(' '),
        load: loadavg()[0]?.toFixed(2) ?? '',
      });
    }

    // Eight parallel PNG bombs (200 MB of pixels each from ~200 KB files) at the selfie part.
    const token = await (
      await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(client.clientId, client.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': '192.0.2.200',
        },
        body: 'grant_type=client_credentials',
      })
    ).json();
    const account = await (
      await fetch(`${server.url}/api/v1/accounts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${(token as { access_token: string }).access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ customerInternalReference: 'bench', workflowDefinition: { key: 10011 } }),
      })
    ).json();
    const created = account as {
      sdk: { token: string };
      workflowExecution: { credentials: Array<{ api: { parts: { face?: string } } }> };
    };
    const face = created.workflowExecution.credentials[1]?.api.parts.face as string;
    const bomb = zeroFilledPng(5000, 5000, { bitDepth: 16, colorType: 6, channels: 4 });
    const before = await rss(server.url);
    const answers: Record<string, number> = {};
    const bombs = Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await fetch(face, {
          method: 'PUT',
          headers: { authorization: `Bearer ${created.sdk.token}` },
          body: uploadForm(bomb, 'bomb.png', 'image/png'),
        });
        answers[response.status] = (answers[response.status] ?? 0) + 1;
      }),
    );
    const latencies = await healthDuring(server.url, bombs);
    rows.push({
      scenario: `8 parallel PNG bombs (${Math.round(bomb.length / 1024)} KB → 200 MB of pixels)`,
      'health p50 ms': ms(quantile(latencies, 0.5)),
      'health p99 ms': ms(quantile(latencies, 0.99)),
      answers: Object.entries(answers)
        .map(([status, count]) => `${status}×${count}`)
        .join(' '),
      'RSS MB before → after': `${Math.round(before)} → ${Math.round(await rss(server.url))}`,
      load: loadavg()[0]?.toFixed(2) ?? '',
    });
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { rows };
}
