/**
 * Two apps on one database (two nodes behind a load balancer): periodic sweeps run once per time slot for both,
 * and rate limits share one counter for handoff-code guessing and for uploads to one execution.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createApp, type IdvApp } from '../../../src/server/app.js';
import { REQUEST_RATE_LIMITS } from '../../../src/server/auth/rate-limit.js';
import type { Clock } from '../../../src/server/clock.js';
import { testDatabases } from '../../support/databases.js';
import {
  createAccount,
  createTestClient,
  makeJpeg,
  openTestApp,
  pathOf,
  type TestApp,
  uploadForm,
  widgetAuth,
} from '../../support/server.js';

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await condition()); i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
}

for (const target of testDatabases()) {
  describe(`rate limits across nodes (${target.name})`, () => {
    let app: TestApp;
    let nodeB: IdvApp;
    before(async () => {
      app = await openTestApp(target);
      nodeB = await createApp({
        config: app.idv.ctx.config,
        db: app.idv.ctx.db,
        clock: app.clock as Clock,
        logger: pino({ level: 'silent' }),
      });
    });
    after(async () => {
      await nodeB.close();
      await app.close();
    });
    const onNode = (i: number, path: string, init?: RequestInit) =>
      Promise.resolve((i % 2 === 0 ? app.idv.app : nodeB.app).request(path, init));

    it('periodic sweeps are one job per time slot for the whole cluster, run by one node', async () => {
      const slotJobs = () =>
        app.idv.ctx.db
          .selectFrom('jobs' as never)
          .select(['kind' as never, 'dedupe_key' as never, 'status' as never])
          .where('kind' as never, 'in', ['sweep-expired', 'purge-and-retention'] as never)
          .execute() as Promise<Array<{ kind: string; dedupe_key: string; status: string }>>;
      app.idv.startBackground();
      nodeB.startBackground();
      await waitUntil(
        async () =>
          (await slotJobs()).every((job) => job.status === 'done') && (await slotJobs()).length === 2,
      );
      await app.idv.stopBackground();
      await nodeB.stopBackground();
      const jobs = await slotJobs();
      assert.deepEqual(jobs.map((job) => job.kind).sort(), ['purge-and-retention', 'sweep-expired']);
    });

    it('handoff-code guesses from one address are limited on all nodes together', async () => {
      const { limit } = REQUEST_RATE_LIMITS.handoffRedeemPerAddress;
      const statuses: number[] = [];
      for (let i = 0; i <= limit; i++) statuses.push((await onNode(i, `/web/v1/handoff/guess${i}`)).status);
      assert.ok(
        statuses.slice(0, limit).every((s) => s !== 429),
        statuses.join(','),
      );
      const last = await onNode(limit + 1, '/web/v1/handoff/guess-more');
      assert.equal(last.status, 429);
      assert.ok(Number(last.headers.get('retry-after')) > 0);
      assert.equal(((await last.json()) as { error: { code: string } }).error.code, 'RATE_LIMITED');
      app.clock.advance(REQUEST_RATE_LIMITS.handoffRedeemPerAddress.windowMs);
      assert.notEqual((await onNode(0, '/web/v1/handoff/after-window')).status, 429);
    });

    it('uploads to one execution are limited across nodes; another execution is not affected', async () => {
      const client = await createTestClient(app);
      const created = await createAccount(app, client);
      const other = await createAccount(app, client);
      const partUrl = (c: typeof created) =>
        pathOf(Object.values(c.workflowExecution.credentials[0].api!.parts)[0]!);
      const jpeg = await makeJpeg(640, 480, 3);
      const { limit } = REQUEST_RATE_LIMITS.uploadsPerExecution;
      const statuses: number[] = [];
      for (let i = 0; i <= limit; i++) {
        const response = await onNode(i, partUrl(created), {
          method: 'POST',
          headers: widgetAuth(created),
          body: uploadForm(jpeg),
        });
        statuses.push(response.status);
      }
      // 201 for the first upload, 200 for each replacement of the part.
      assert.ok(
        statuses.slice(0, limit).every((s) => s === 201 || s === 200),
        statuses.join(','),
      );
      assert.equal(statuses.at(-1), 429);
      const elsewhere = await onNode(1, partUrl(other), {
        method: 'POST',
        headers: widgetAuth(other),
        body: uploadForm(jpeg),
      });
      assert.equal(elsewhere.status, 201);
    });
  });
}
