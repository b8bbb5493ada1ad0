/**
 * Several nodes, one truth (issue #17): PostgreSQL, an S3-protocol server, three `idv-server` processes and nginx
 * round-robin in front. API flows whose requests land on different nodes; one node SIGKILLed during uploads
 * (restarted later with the same node id), another SIGKILLed while it holds a processing job. Afterwards every
 * execution is PROCESSED with one decision, every part is in the object store whole (sha256 as recorded), each
 * callback event reached the receiver at least once under one webhook-id. Graceful shutdown finishes an upload in
 * flight; /readyz fails when the object store is gone.
 *
 * Without PostgreSQL (IDV_TEST_PG_URL) or nginx the suite says so and runs no test.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { S3BlobStore } from '../../src/server/blobs/s3-blob-store.js';
import {
  CallbackPayload,
  type CreateAccountResponse,
  ExecutionStatusResponse,
} from '../../src/shared/api/index.js';
import {
  type CallbackReceiver,
  type Cluster,
  clusterAccessToken,
  clusterUnavailable,
  createClusterAccount,
  startCallbackReceiver,
  startCluster,
  waitFor,
} from '../support/cluster.js';
import { makeJpeg, uploadForm } from '../support/server.js';

const EXECUTIONS = 9;
const unavailable = clusterUnavailable();
if (unavailable) console.log(`# cluster suite skipped: ${unavailable}`);

/** The balancer answers 502 when the node a request was sent to died: a client retries (uploads are replaceable). */
async function withRetry(url: string, init: () => RequestInit, tries = 8): Promise<Response> {
  let last: unknown;
  for (let attempt = 0; attempt < tries; attempt++) {
    try {
      const response = await fetch(url, init());
      if (![502, 503, 504].includes(response.status)) return response;
      last = new Error(`HTTP ${response.status}`);
      await response.body?.cancel();
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
  }
  throw last;
}

function nodeOfLock(lockedBy: string, nodeIds: string[]): number {
  return nodeIds.findIndex((id) =>
    lockedBy.startsWith(createHash('sha256').update(id).digest('hex').slice(0, 8)),
  );
}

describe('cluster: three nodes behind nginx on PostgreSQL and S3', {
  skip: unavailable !== undefined,
}, () => {
  let cluster: Cluster;
  let receiver: CallbackReceiver;
  let bearer: string;
  const executions: Array<{ created: CreateAccountResponse; uploaded: Map<string, string> }> = [];

  before(async () => {
    receiver = await startCallbackReceiver(4);
    cluster = await startCluster({ nodes: 3 });
  });
  after(async () => {
    await cluster?.close();
    await receiver?.close();
  });

  it('every node is ready and requests are spread round robin', async () => {
    for (const node of cluster.nodes) {
      const ready = await fetch(`http://127.0.0.1:${node.port}/readyz`);
      assert.equal(ready.status, 200, node.nodeId);
    }
    bearer = await clusterAccessToken(cluster, withRetry);
    for (let i = 0; i < 6; i++) assert.equal((await fetch(`${cluster.url}/livez`)).status, 200);
    const upstreams = new Set(cluster.accessLog().map((line) => line.split(' ')[3]));
    assert.equal(upstreams.size, 3, [...upstreams].join(','));
  });

  it('API flows survive a node killed during uploads and another killed while processing', async () => {
    const api = { authorization: `Bearer ${bearer}` };
    let uploads = 0;
    let killedDuringUploads = false;
    const flow = async (n: number) => {
      const created = await createClusterAccount(
        cluster,
        bearer,
        `cluster-${n}`,
        { callbackUrl: receiver.url },
        withRetry,
      );
      const widget = { authorization: `Bearer ${created.sdk.token}` };
      const json = { ...widget, 'content-type': 'application/json' };
      const consent = await withRetry(`${cluster.url}/api/v1/session/consent`, () => ({
        method: 'POST',
        headers: json,
        body: JSON.stringify({ accepted: true }),
      }));
      assert.equal(consent.status, 200);
      const document = await withRetry(`${cluster.url}/api/v1/session/document`, () => ({
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ type: 'ID_CARD', country: 'DEU' }),
      }));
      assert.equal(document.status, 200);
      const uploaded = new Map<string, string>();
      let seed = n * 10;
      for (const credential of created.workflowExecution.credentials) {
        for (const url of Object.values(credential.api?.parts ?? {})) {
          if (!url) continue;
          const classifier = url.split('/').pop() as string;
          seed += 1;
          const jpeg = await makeJpeg(900, 640, seed);
          const upload = await withRetry(url, () => ({
            method: 'POST',
            headers: widget,
            body: uploadForm(jpeg),
          }));
          // 201 first time; 200 when a retry replaced a part whose first answer was lost with its node.
          assert.ok([200, 201].includes(upload.status), `${upload.status} ${await upload.clone().text()}`);
          uploaded.set(`${credential.id}/${classifier}`, createHash('sha256').update(jpeg).digest('hex'));
          uploads += 1;
          if (uploads === 6 && !killedDuringUploads) {
            killedDuringUploads = true;
            await cluster.kill(0);
          }
        }
      }
      executions.push({ created, uploaded });
    };
    // Three flows at a time: their requests interleave across the nodes.
    for (let batch = 0; batch < EXECUTIONS; batch += 3) {
      await Promise.all([0, 1, 2].map((k) => flow(batch + k)));
    }
    assert.ok(killedDuringUploads);
    assert.equal(executions.length, EXECUTIONS);
    await cluster.restart(0);

    // Finalize everything, then kill whichever node other than the restarted one is first seen holding a job.
    for (const { created } of executions) {
      const finalize = await withRetry(
        created.workflowExecution.credentials[0]!.api!.workflowExecution,
        () => ({
          method: 'PUT',
          headers: { authorization: `Bearer ${created.sdk.token}` },
        }),
      );
      assert.equal(finalize.status, 200, await finalize.clone().text());
    }
    const nodeIds = cluster.nodes.map((node) => node.nodeId);
    let killedWhileProcessing: { node: number; job: string } | undefined;
    await waitFor(
      async () => {
        const { rows } = await cluster.db.query<{ id: string; locked_by: string }>(
          `select id, locked_by from jobs where kind = 'process-execution' and status = 'running'`,
        );
        const held = rows.find((row) => nodeOfLock(row.locked_by, nodeIds) > 0);
        if (!held) return false;
        const node = nodeOfLock(held.locked_by, nodeIds);
        await cluster.kill(node);
        killedWhileProcessing = { node, job: held.id };
        console.log(`# cluster: killed ${nodeIds[node]} holding ${held.id} at ${new Date().toISOString()}`);
        return true;
      },
      60_000,
      () => 'no node other than node-1 was seen holding a processing job',
      20,
    );
    assert.ok(killedWhileProcessing);

    // The killed node's job is taken over after its lease (3 s) and everything ends PROCESSED.
    await waitFor(
      async () => {
        const { rows } = await cluster.db.query<{ n: string }>(
          `select count(*) as n from workflow_executions where status = 'PROCESSED'`,
        );
        return Number(rows[0]?.n) === EXECUTIONS;
      },
      120_000,
      () => 'not every execution was processed',
      250,
    );
    for (const { created } of executions) {
      const status = await withRetry(
        `${cluster.url}/api/v1/accounts/${created.account.id}/workflow-executions/${created.workflowExecution.id}/status`,
        () => ({ headers: api }),
      );
      assert.equal(ExecutionStatusResponse.parse(await status.json()).workflowExecution.status, 'PROCESSED');
    }
    const takenOver = await cluster.db.query<{ status: string; attempts: number }>(
      'select status, attempts from jobs where id = $1',
      [killedWhileProcessing.job],
    );
    assert.equal(takenOver.rows[0]?.status, 'done');
    assert.ok(Number(takenOver.rows[0]?.attempts) >= 2, 'run again by another node');

    // One decision per execution: the nodes logged "execution processed" once per execution, all lives together.
    const logs = cluster.nodes.flatMap((node) => [...node.outputs, node.process.output()]).join('\n');
    for (const { created } of executions) {
      const decisions = logs
        .split('\n')
        .filter(
          (line) => line.includes('"execution processed"') && line.includes(created.workflowExecution.id),
        );
      assert.equal(decisions.length, 1, created.workflowExecution.id);
    }

    // Every part whole in the object store, exactly the bytes uploaded last.
    const store = new S3BlobStore(cluster.s3.storeOptions());
    try {
      for (const { created, uploaded } of executions) {
        const { rows } = await cluster.db.query<{
          credential_id: string;
          classifier: string;
          blob_key: string;
          sha256: string;
        }>('select credential_id, classifier, blob_key, sha256 from parts where execution_id = $1', [
          created.workflowExecution.id,
        ]);
        assert.equal(rows.length, uploaded.size, created.workflowExecution.id);
        for (const part of rows) {
          const bytes = await store.get(part.blob_key);
          assert.ok(bytes, part.blob_key);
          const sha = createHash('sha256').update(bytes).digest('hex');
          assert.equal(sha, part.sha256, part.blob_key);
          assert.equal(sha, uploaded.get(`${part.credential_id}/${part.classifier}`), part.blob_key);
        }
      }
      // Objects no part row names: a node killed between writing the object and committing the row (the retry wrote
      // a new one). Never served; counted so the number is visible.
      const referenced = new Set(
        (await cluster.db.query<{ blob_key: string }>('select blob_key from parts')).rows.map(
          (r) => r.blob_key,
        ),
      );
      const listed = await store.client.send(
        new ListObjectsV2Command({ Bucket: cluster.s3.storeOptions().bucket, Prefix: 'executions/' }),
      );
      const objects = (listed.Contents ?? []).map((o) => o.Key as string);
      const orphans = objects.filter((key) => !referenced.has(key) && !key.includes('/liveness/')).length;
      const temporary = (
        await store.client.send(
          new ListObjectsV2Command({ Bucket: cluster.s3.storeOptions().bucket, Prefix: 'tmp/' }),
        )
      ).KeyCount;
      console.log(
        `# cluster: ${objects.length} objects, ${orphans} unreferenced, ${temporary ?? 0} under tmp/`,
      );
    } finally {
      store.close();
    }

    // Each PROCESSED event at the receiver at least once, under one webhook-id, signed.
    const signer = new Webhook(cluster.client.webhookSecret);
    await waitFor(
      () =>
        executions.every(({ created }) =>
          receiver.deliveries.some(
            (d) => d.body.includes(created.workflowExecution.id) && d.body.includes('PROCESSED'),
          ),
        ),
      60_000,
      () => `callbacks missing: ${receiver.deliveries.length} received`,
      200,
    );
    const idsPerEvent = new Map<string, Set<string>>();
    const timesPerId = new Map<string, number>();
    for (const delivery of receiver.deliveries) {
      const payload = CallbackPayload.parse(JSON.parse(delivery.body));
      const event = `${payload.workflowExecution.id}:${payload.workflowExecution.status}`;
      idsPerEvent.set(event, (idsPerEvent.get(event) ?? new Set()).add(delivery.webhookId));
      timesPerId.set(delivery.webhookId, (timesPerId.get(delivery.webhookId) ?? 0) + 1);
      assert.doesNotThrow(
        () => signer.verify(delivery.body, delivery.headers),
        'signed by the client secret',
      );
    }
    for (const [event, ids] of idsPerEvent) assert.equal(ids.size, 1, `${event}: ${[...ids].join(',')}`);
    const duplicates = [...timesPerId.values()].reduce((sum, times) => sum + times - 1, 0);
    // The goal is none; a node killed between sending and recording would resend (at-least-once), so count it.
    console.log(
      `# cluster: ${receiver.deliveries.length} callbacks for ${idsPerEvent.size} events, ${duplicates} duplicate deliveries`,
    );

    // Requests of one execution landed on more than one node.
    const log = cluster.accessLog();
    const spread = executions.filter(({ created }) => {
      const nodes = new Set(
        log.filter((line) => line.includes(created.workflowExecution.id)).map((line) => line.split(' ')[3]),
      );
      return nodes.size >= 2;
    }).length;
    assert.ok(spread >= EXECUTIONS / 2, `${spread} of ${EXECUTIONS} executions were served by several nodes`);
    // No job left claimed by a live node, none failed.
    const stuck = await cluster.db.query(
      `select kind, status from jobs where status in ('running', 'failed')`,
    );
    assert.deepEqual(stuck.rows, []);
  });

  it('graceful shutdown finishes an upload in flight and hands back nothing half-done', async () => {
    const live = cluster.nodes.findIndex(
      (node) => node.process.child.exitCode === null && node.process.child.signalCode === null,
    );
    assert.ok(live >= 0);
    const node = cluster.nodes[live]!;
    const created = await createClusterAccount(cluster, bearer, 'cluster-shutdown', {}, withRetry);
    const partUrl = new URL(Object.values(created.workflowExecution.credentials[0]!.api!.parts)[0]!);
    const form = new Response(uploadForm(await makeJpeg(900, 640, 99)));
    const body = Buffer.from(await form.arrayBuffer());
    const contentType = form.headers.get('content-type') as string;
    // Straight to the node: half the body, SIGTERM, the rest.
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: node.port,
          method: 'POST',
          path: partUrl.pathname,
          headers: {
            authorization: `Bearer ${created.sdk.token}`,
            'content-type': contentType,
            'content-length': body.length,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, body.length >> 1));
      setTimeout(() => {
        const exited = node.process.stop('SIGTERM');
        setTimeout(() => req.end(body.subarray(body.length >> 1)), 300);
        exited.then((code) => assert.equal(code, 0), reject);
      }, 300);
    });
    assert.equal(await answer, 201);
    await waitFor(
      () => node.process.child.exitCode !== null,
      30_000,
      () => 'node did not exit',
    );
    assert.equal(node.process.child.exitCode, 0);
    const { rows } = await cluster.db.query(`select id from jobs where status = 'running'`);
    assert.deepEqual(rows, [], 'no claim left behind');
  });

  it('/readyz fails when the object store is unreachable', async () => {
    const live = cluster.nodes.find(
      (node) => node.process.child.exitCode === null && node.process.child.signalCode === null,
    );
    assert.ok(live);
    await cluster.s3.close();
    const ready = await fetch(`http://127.0.0.1:${live.port}/readyz`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { checks: Record<string, string> };
    assert.deepEqual(body.checks, { database: 'ok', blobStore: 'failing' });
  });
});
