/**
 * The widget across nodes (issue #17): `<idv-capture>` in Chromium with the scripted camera, served through nginx
 * by three `idv-server` nodes on PostgreSQL and S3, captures front, back and selfie, passes the passive liveness
 * burst and finalizes; one node is SIGKILLed after the front is accepted. The session's requests land on more than
 * one node, and the execution ends PROCESSED with all three parts.
 *
 * Without PostgreSQL (IDV_TEST_PG_URL) or nginx the suite says so and runs no test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import { makeLivenessFixtures } from '../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures } from '../../scripts/make-widget-fixtures.js';
import { ExecutionStatusResponse } from '../../src/shared/api/index.js';
import { livenessCameraInitScript, routeLivenessFrames } from '../e2e/pages/liveness-driver.js';
import {
  captureLive,
  consentAndDocument,
  routeWidgetPage,
  SCREENSHOT_SIZES,
  scriptedCameraBundle,
  useReviewed,
  widgetPageUrl,
} from '../e2e/pages/widget-driver.js';
import { guardRequests, launchChromium } from '../support/browser.js';
import {
  type Cluster,
  clusterAccessToken,
  clusterUnavailable,
  createClusterAccount,
  startCluster,
  waitFor,
} from '../support/cluster.js';

const unavailable = clusterUnavailable();
if (unavailable) console.log(`# cluster widget flow skipped: ${unavailable}`);

describe('cluster: the widget flow through nginx, a node killed mid-flow', {
  skip: unavailable !== undefined,
  timeout: 300_000,
}, () => {
  let cluster: Cluster;
  let browser: Browser;
  let scenesDir: string;
  let cameraBundle: string;

  before(async () => {
    await makeLivenessFixtures();
    [scenesDir, cameraBundle, cluster, browser] = await Promise.all([
      makeWidgetFixtures(),
      scriptedCameraBundle(),
      startCluster({ nodes: 3 }),
      launchChromium({ fakeCamera: false }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await cluster?.close();
  });

  it('captures, verifies liveness and finalizes with requests on several nodes; the execution is PROCESSED', async () => {
    const bearer = await clusterAccessToken(cluster);
    const api = { authorization: `Bearer ${bearer}` };
    const created = await createClusterAccount(cluster, bearer, 'cluster-widget');

    const context = await browser.newContext({ viewport: SCREENSHOT_SIZES[0] });
    const guard = await guardRequests(context);
    await routeWidgetPage(context, cluster.url, scenesDir);
    await routeLivenessFrames(context, cluster.url);
    await context.addInitScript(livenessCameraInitScript(cameraBundle));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(widgetPageUrl(cluster.url, created.sdk.token));
    await consentAndDocument(page, false);
    const sides = ['Front of your document', 'Back of your document', 'Take a selfie'];
    for (const [index, title] of sides.entries()) {
      await captureLive(page, title);
      await useReviewed(page, () => captureLive(page, title));
      // A machine dies while the user turns the card over: the rest of the flow goes to the other two.
      if (index === 0) await cluster.kill(1);
    }
    const widget = page.locator('idv-capture');
    await widget.getByRole('button', { name: 'Start' }).click({ timeout: 30_000 });
    await widget.getByRole('heading', { name: 'All done' }).waitFor({ timeout: 120_000 });
    await context.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(guard.thirdParty, []);

    const statusUrl = `${cluster.url}/api/v1/accounts/${created.account.id}/workflow-executions/${created.workflowExecution.id}/status`;
    await waitFor(
      async () => {
        const response = await fetch(statusUrl, { headers: api });
        if (response.status !== 200) return false;
        return ExecutionStatusResponse.parse(await response.json()).workflowExecution.status === 'PROCESSED';
      },
      120_000,
      () => 'the widget execution was not PROCESSED within 2 minutes',
      300,
    );
    const parts = await cluster.db.query<{ classifier: string }>(
      'select classifier from parts where execution_id = $1 order by classifier',
      [created.workflowExecution.id],
    );
    assert.deepEqual(
      parts.rows.map((row) => row.classifier),
      ['BACK', 'FACE', 'FRONT'],
    );
    // The widget's own calls (session, parts, liveness, finalize) were served by more than one node.
    const upstreams = new Set(
      cluster
        .accessLog()
        .filter((line) => /\/api\/v1\/(session|accounts\/)/.test(line.split(' ')[1] ?? ''))
        .map((line) => line.split(' ')[3]),
    );
    assert.ok(upstreams.size >= 2, `upstreams: ${[...upstreams].join(',')}`);
  });
});
