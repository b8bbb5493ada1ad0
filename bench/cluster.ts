/**
 * `npm run bench -- cluster`: 1 and 3 `idv-server` nodes behind nginx on one PostgreSQL and one S3-protocol server
 * (s3rver), the harness of the cluster suite (test/support/cluster.ts). Per setup: upload throughput and latency
 * (p50 / p99) through the balancer with 6 uploads in flight, processed executions per minute (finalize all, wait
 * for every decision), and callback latency (decision committed → callback at the receiver).
 *
 * Needs PostgreSQL (`IDV_TEST_PG_URL`, as the tests) and nginx; without them the section reports why and no numbers.
 * On a 2-core machine three nodes cannot be faster than one: they share the same cores (and s3rver, PostgreSQL and
 * this load generator run there too). The point is that nothing regresses and no work is lost.
 */
import { CreateAccountResponse, TokenResponse } from '../src/shared/api/index.js';
import {
  type Cluster,
  clusterUnavailable,
  startCallbackReceiver,
  startCluster,
  waitFor,
} from '../test/support/cluster.js';
import { basicAuth, makeJpeg, uploadForm } from '../test/support/server.js';

const EXECUTIONS = 12;
const UPLOADS_IN_FLIGHT = 6;

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

async function measure(nodes: number): Promise<Record<string, string | number>> {
  const receiver = await startCallbackReceiver();
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster({ nodes });
    const c = cluster;
    const token = await fetch(`${c.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(c.client.clientId, c.client.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const api = { authorization: `Bearer ${TokenResponse.parse(await token.json()).access_token}` };
    const executions: CreateAccountResponse[] = [];
    for (let n = 0; n < EXECUTIONS; n++) {
      const response = await fetch(`${c.url}/api/v1/accounts`, {
        method: 'POST',
        headers: { ...api, 'content-type': 'application/json' },
        body: JSON.stringify({
          customerInternalReference: `bench-${n}`,
          workflowDefinition: { key: 10011, credentials: [{ category: 'ID' }, { category: 'SELFIE' }] },
          callbackUrl: receiver.url,
        }),
      });
      const created = CreateAccountResponse.parse(await response.json());
      const json = { authorization: `Bearer ${created.sdk.token}`, 'content-type': 'application/json' };
      await fetch(`${c.url}/api/v1/session/consent`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ accepted: true }),
      });
      await fetch(`${c.url}/api/v1/session/document`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ type: 'ID_CARD', country: 'DEU' }),
      });
      executions.push(created);
    }
    // The images are made before the clock starts: the load generator's JPEG encoding is not upload time.
    const uploads: Array<{ url: string; token: string; jpeg: Buffer }> = [];
    let seed = 0;
    for (const created of executions) {
      for (const credential of created.workflowExecution.credentials) {
        for (const url of Object.values(credential.api?.parts ?? {})) {
          if (url) uploads.push({ url, token: created.sdk.token, jpeg: await makeJpeg(900, 640, ++seed) });
        }
      }
    }
    const latencies: number[] = [];
    let bytes = 0;
    const uploadStart = performance.now();
    await pool(uploads, UPLOADS_IN_FLIGHT, async (upload) => {
      const started = performance.now();
      const response = await fetch(upload.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${upload.token}` },
        body: uploadForm(upload.jpeg),
      });
      await response.body?.cancel();
      if (response.status !== 201) throw new Error(`upload answered ${response.status}`);
      latencies.push(performance.now() - started);
      bytes += upload.jpeg.length;
    });
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    const processStart = performance.now();
    for (const created of executions) {
      await fetch(created.workflowExecution.credentials[0]!.api!.workflowExecution, {
        method: 'PUT',
        headers: { authorization: `Bearer ${created.sdk.token}` },
      });
    }
    await waitFor(
      async () => {
        const { rows } = await c.db.query<{ n: string }>(
          `select count(*) as n from workflow_executions where status = 'PROCESSED'`,
        );
        return Number(rows[0]?.n) === EXECUTIONS;
      },
      600_000,
      () => 'executions not processed',
      200,
    );
    const processMinutes = (performance.now() - processStart) / 60_000;
    await waitFor(
      () => receiver.deliveries.length >= EXECUTIONS,
      60_000,
      () => 'callbacks missing',
      100,
    );
    const { rows } = await c.db.query<{ id: string; completed_at: string }>(
      `select id, completed_at from workflow_executions`,
    );
    const callbackMs = rows.map((row) => {
      const delivery = receiver.deliveries.find((d) => d.body.includes(row.id));
      return (delivery?.receivedAt ?? Number.NaN) - Date.parse(row.completed_at);
    });
    return {
      nodes,
      uploads: uploads.length,
      'upload MB/s': +(bytes / 2 ** 20 / uploadSeconds).toFixed(2),
      'uploads/s': +(uploads.length / uploadSeconds).toFixed(1),
      'upload p50 ms': quantile(latencies, 0.5),
      'upload p99 ms': quantile(latencies, 0.99),
      'processed / min': +(EXECUTIONS / processMinutes).toFixed(1),
      'callback p50 ms': quantile(callbackMs, 0.5),
      'callback max ms': quantile(callbackMs, 1),
      // At-least-once: a delivery whose lease ran out while its node was busy is sent again (same webhook-id).
      'duplicate callbacks':
        receiver.deliveries.length - new Set(receiver.deliveries.map((d) => d.webhookId)).size,
    };
  } finally {
    await cluster?.close();
    await receiver.close();
  }
}

export async function benchCluster(): Promise<{ rows: Record<string, string | number>[] }> {
  const unavailable = clusterUnavailable();
  if (unavailable) return { rows: [{ skipped: unavailable }] };
  const rows = [];
  for (const nodes of [1, 3]) rows.push(await measure(nodes));
  return { rows };
}
