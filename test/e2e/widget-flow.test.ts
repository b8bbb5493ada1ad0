/**
 * `<idv-capture>` end to end: Chromium against a real `idv-server --demo` process, with a scripted camera showing
 * generated camera-resolution scenes (card front, card back, the astronaut's face) to the real capture code —
 * frame loop, analysis worker, MediaPipe face runtime, compression, background uploads, finalize — until the
 * element fires `idv-complete` and the server's retrieval API reports the execution PROCESSED.
 *
 * Also: the part uploads of the full flow first hit a dropped connection and recover; a reload after the front is
 * uploaded resumes at the back; a denied camera falls back to file upload, and uploads that keep failing end on the
 * upload step's retry, which finishes once the connection is back. Every step is screenshotted at 390×844 and
 * 1280×800 into test-results/screenshots/widget-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright';
import { makeLivenessFixtures } from '../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures, WIDGET_SCENES } from '../../scripts/make-widget-fixtures.js';
import { guardRequests, launchChromium } from '../support/browser.js';
import { type ServerProcess, spawnServer } from '../support/server.js';
import {
  cameraInitScript,
  captureLive,
  consentAndDocument,
  demoClientToken,
  routeWidgetPage,
  SCREENSHOT_SIZES,
  SCREENSHOTS,
  screenshotAtSizes,
  sceneShift,
  scriptedCameraBundle,
  useReviewed,
  widgetPageUrl,
} from './pages/widget-driver.js';
import { livenessCameraInitScript, routeLivenessFrames } from './pages/liveness-driver.js';

interface DemoVerification {
  token: string;
  accountId: string;
  workflowExecutionId: string;
}

interface RecordedEvent {
  type: string;
  detail: Record<string, unknown>;
}

describe('<idv-capture> against a real idv-server', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;
  let scenesDir: string;
  let cameraBundle: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'idv-widget-e2e-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    await makeLivenessFixtures();
    [scenesDir, cameraBundle, server, browser] = await Promise.all([
      makeWidgetFixtures(),
      scriptedCameraBundle(),
      spawnServer({ IDV_DATA_DIR: dataDir, IDV_POLL_MS: '200' }, ['--demo']),
      launchChromium({ fakeCamera: false }),
    ]);
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startVerification(): Promise<DemoVerification> {
    const response = await fetch(`${server.url}/demo/api/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    return (await response.json()) as DemoVerification;
  }

  /** A context with the scripted camera, the test page and the scenes served on the server's own origin. */
  async function openPage(options: { failWith?: 'NotAllowedError' } = {}) {
    const context = await browser.newContext({ viewport: SCREENSHOT_SIZES[0] });
    contexts.push(context);
    const guard = await guardRequests(context);
    await routeWidgetPage(context, server.url, scenesDir);
    // 10011 has a passive liveness step: the camera behaves like a person there (liveness-driver.ts).
    await routeLivenessFrames(context, server.url);
    await context.addInitScript(
      options.failWith
        ? cameraInitScript(cameraBundle, options.failWith)
        : livenessCameraInitScript(cameraBundle),
    );
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    return { context, page, guard, errors };
  }

  const pageUrl = (token: string, retry?: object) => widgetPageUrl(server.url, token, retry);

  const events = (page: Page) =>
    page.evaluate(() => (window as unknown as { idvEvents: RecordedEvent[] }).idvEvents);

  const screenshots = (page: Page, name: string) => screenshotAtSizes(page, `widget-${name}`);

  const demoAccessToken = () => demoClientToken(server.url, dataDir);

  /** Polls the retrieval API (demo client's OAuth token) until the execution has `status`. */
  async function waitForRetrievalStatus(verification: DemoVerification, status: string): Promise<void> {
    const token = await demoAccessToken();
    const url = `${server.url}/api/v1/accounts/${verification.accountId}/workflow-executions/${verification.workflowExecutionId}/status`;
    const deadline = Date.now() + 90_000;
    let last = '';
    while (Date.now() < deadline) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      last = ((await response.json()) as { workflowExecution: { status: string } }).workflowExecution.status;
      if (last === status) return;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.fail(`execution stayed ${last}, expected ${status}`);
  }

  async function sessionParts(token: string): Promise<string[]> {
    const response = await fetch(`${server.url}/api/v1/session`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { parts: Array<{ classifier: string }> }).parts.map(
      (part) => part.classifier,
    );
  }

  it('captures front, back and selfie with the scripted camera, survives a dropped connection, and completes', async (t) => {
    const verification = await startVerification();
    const { page, guard, errors } = await openPage();
    // The first two attempts of every part upload hit a dropped connection; the transport must retry them.
    const attempts = new Map<string, number>();
    await page.route('**/parts/*', (route) => {
      const part = new URL(route.request().url()).pathname.split('/').pop() ?? '';
      const n = (attempts.get(part) ?? 0) + 1;
      attempts.set(part, n);
      return n <= 2 ? route.abort('connectionreset') : route.fallback();
    });
    await page.goto(pageUrl(verification.token));
    await sceneShift(page, 0.45);
    await consentAndDocument(page, true);

    const warnings: Record<string, string[]> = {};
    const sides = [
      ['FRONT', 'Front of your document', '3-document-front', '4-review-front'],
      ['BACK', 'Back of your document', '5-document-back', undefined],
      ['FACE', 'Take a selfie', '6-selfie', '7-review-selfie'],
    ] as const;
    for (const [part, title, live, review] of sides) {
      await captureLive(page, title, live);
      // Hold the next step's scene out of the frame until its live screen is pictured.
      await sceneShift(page, 0.45);
      const again = async () => {
        await captureLive(page, title);
        await sceneShift(page, 0.45);
      };
      warnings[part] = await useReviewed(page, again, review);
    }
    // What the on-device checks said about the scripted scenes (they are good photos; see the report if not).
    t.diagnostic(`review warnings: ${JSON.stringify(warnings)}`);
    assert.deepEqual(warnings.FRONT, [], 'the card front scene passes the document checks');
    assert.deepEqual(warnings.BACK, [], 'the card back scene passes the document checks');
    assert.deepEqual(warnings.FACE, [], 'the selfie scene passes the face checks');

    const widget = page.locator('idv-capture');
    // The passive liveness burst of 10011: start, hold still, the server verifies.
    await widget.getByRole('button', { name: 'Start' }).click({ timeout: 30_000 });
    await widget.getByRole('heading', { name: 'All done' }).waitFor({ timeout: 90_000 });
    await screenshots(page, '9-done');

    const recorded = await events(page);
    const complete = recorded.find((event) => event.type === 'idv-complete');
    assert.ok(complete, 'idv-complete fired');
    assert.equal(complete.detail.accountId, verification.accountId);
    assert.equal(complete.detail.workflowExecutionId, verification.workflowExecutionId);
    const captures = recorded.filter((event) => event.type === 'idv-capture').map((event) => event.detail);
    t.diagnostic(`capture methods: ${captures.map((capture) => capture.method).join(', ')}`);
    assert.deepEqual(
      captures.map((capture) => capture.part),
      ['FRONT', 'BACK', 'FACE'],
    );
    for (const capture of captures) {
      assert.ok(['auto', 'manual'].includes(String(capture.method)), `camera capture: ${capture.method}`);
      assert.ok(Number(capture.bytes) > 10_000, 'a real photo was sent');
    }
    assert.equal(captures[0]!.method, 'auto', 'the card front was auto-captured');
    // Every part went through two dropped attempts and then got through.
    assert.deepEqual(Object.fromEntries(attempts), { FRONT: 3, BACK: 3, FACE: 3 });
    assert.deepEqual((await sessionParts(verification.token)).sort(), ['BACK', 'FACE', 'FRONT']);
    await waitForRetrievalStatus(verification, 'PROCESSED');
    assert.deepEqual(errors, []);
    assert.deepEqual(guard.thirdParty, []);
  });

  it('resumes at the back after a reload once the front is uploaded', async () => {
    const verification = await startVerification();
    const { page, guard, errors } = await openPage();
    await page.goto(pageUrl(verification.token));
    await consentAndDocument(page, false);
    await captureLive(page, 'Front of your document');
    await useReviewed(page, () => captureLive(page, 'Front of your document'));
    const widget = page.locator('idv-capture');
    await widget.getByRole('heading', { name: 'Back of your document' }).waitFor();
    const deadline = Date.now() + 30_000;
    while (!(await sessionParts(verification.token)).includes('FRONT')) {
      assert.ok(Date.now() < deadline, 'the front reached the server');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    await page.reload();
    await widget.getByRole('heading', { name: 'Back of your document' }).waitFor();
    const steps = (await events(page)).filter((event) => event.type === 'idv-step-change');
    assert.equal(steps[0]?.detail.step, 'document-back', 'the first step after the reload is the back');
    assert.match((await widget.locator('[part="progress-indicator"]').textContent()) ?? '', /Step 4 of 8/);
    assert.deepEqual(errors, []);
    assert.deepEqual(guard.thirdParty, []);
  });

  it('falls back to file upload when the camera is denied, and finishes after the upload step’s retry', async (t) => {
    const verification = await startVerification();
    const { page, guard, errors } = await openPage({ failWith: 'NotAllowedError' });
    let online = false;
    await page.route('**/parts/*', (route) =>
      online ? route.fallback() : route.abort('internetdisconnected'),
    );
    // Short backoff: the uploads must give up within the test, not after a minute.
    await page.goto(pageUrl(verification.token, { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 200 }));
    await consentAndDocument(page, false);
    const widget = page.locator('idv-capture');
    const files = [
      ['Front of your document', WIDGET_SCENES.front.file],
      ['Back of your document', WIDGET_SCENES.back.file],
      ['Take a selfie', WIDGET_SCENES.face.file],
    ] as const;
    for (const [index, [title, file]] of files.entries()) {
      await widget.getByRole('heading', { name: title }).waitFor();
      await widget
        .getByRole('alert')
        .filter({ hasText: /camera/i })
        .first()
        .waitFor();
      if (index === 0) await screenshots(page, 'e1-camera-denied');
      const upload = async () => {
        await widget.getByRole('heading', { name: title }).waitFor();
        await widget.locator('input[type="file"]').setInputFiles(join(scenesDir, file));
        await widget
          .getByRole('heading', { name: 'Check your photo' })
          .waitFor({ timeout: 60_000 })
          .catch(async (error: unknown) => {
            await page.screenshot({ path: join(SCREENSHOTS, `widget-failure-upload-${index}.png`) });
            throw error;
          });
      };
      await upload();
      const warnings = await useReviewed(page, upload, index === 0 ? 'e2-review-uploaded' : undefined);
      t.diagnostic(`${title}: review warnings ${JSON.stringify(warnings)}`);
      if (file === WIDGET_SCENES.face.file)
        assert.deepEqual(warnings, [], 'the uploaded selfie passes the face checks');
    }

    // No camera for the liveness step either: the user goes on without it (the server will report liveness
    // REJECTED LIVENESS_UNDETERMINED; nobody is stuck on a device without a camera).
    await widget.getByRole('button', { name: 'Start' }).click({ timeout: 30_000 });
    await widget.getByRole('button', { name: 'Continue without this check' }).click({ timeout: 30_000 });
    await widget.getByRole('heading', { name: 'Sending your photos' }).waitFor();
    const retry = widget.getByRole('button', { name: 'Try again' });
    await retry.waitFor({ timeout: 30_000 });
    await screenshots(page, '8-upload-failed');
    assert.deepEqual(await sessionParts(verification.token), [], 'nothing reached the server while offline');

    online = true;
    await retry.click();
    await widget.getByRole('heading', { name: 'All done' }).waitFor({ timeout: 60_000 });
    const recorded = await events(page);
    const cameraErrors = recorded.filter((event) => event.type === 'idv-error').map((event) => event.detail);
    assert.ok(
      cameraErrors.some((error) => error.code === 'CAMERA_DENIED' && error.recoverable === true),
      `camera denied reported: ${JSON.stringify(cameraErrors)}`,
    );
    const methods = recorded
      .filter((event) => event.type === 'idv-capture')
      .map((event) => event.detail.method);
    assert.deepEqual(methods, ['upload', 'upload', 'upload']);
    assert.ok(recorded.some((event) => event.type === 'idv-complete'));
    assert.deepEqual((await sessionParts(verification.token)).sort(), ['BACK', 'FACE', 'FRONT']);
    await waitForRetrievalStatus(verification, 'PROCESSED');
    assert.deepEqual(errors, []);
    assert.deepEqual(guard.thirdParty, []);
  });
});
