/**
 * Liveness end to end: Chromium against a real `idv-server --demo` process. A 10013 execution with
 * `liveness: {mode: 'passive_active'}` is created through the API; the scripted camera shows the widget scenes for
 * the document and the selfie, then on the liveness step follows the step's `data-action` through the generated
 * astronaut poses like a person following the instructions. The real widget guides (MediaPipe in the worker),
 * uploads the tagged frames, the real server verifies them with its own face analysis, and the retrieval API reports
 * `liveness` PASSED and `similarity` MATCH (a user may be asked once to try again, as the test allows). A frozen
 * face (a photo held up) times out and is offered "Try again". A 10011 execution created without a liveness mode runs
 * the passive burst (the default) and is verified the same way.
 * The liveness step is screenshotted at 390×844 and 1280×800 into test-results/screenshots/liveness-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright';
import { makeLivenessFixtures } from '../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures } from '../../scripts/make-widget-fixtures.js';
import { guardRequests, launchChromium } from '../support/browser.js';
import { type ServerProcess, spawnServer } from '../support/server.js';
import {
  type LivenessCameraOptions,
  livenessCameraInitScript,
  routeLivenessFrames,
} from './pages/liveness-driver.js';
import {
  demoClientToken,
  routeWidgetPage,
  SCREENSHOT_SIZES,
  SCREENSHOTS,
  screenshotAtSizes,
  scriptedCameraBundle,
  widgetPageUrl,
} from './pages/widget-driver.js';

interface Verification {
  token: string;
  accountId: string;
  workflowExecutionId: string;
}

interface CapabilityResult {
  decision: { type: string; details: { label: string } };
  data?: Record<string, unknown>;
}

describe('liveness in <idv-capture> against a real idv-server', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;
  let scenesDir: string;
  let cameraBundle: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'idv-liveness-e2e-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    [scenesDir, cameraBundle, server, browser] = await Promise.all([
      makeWidgetFixtures(),
      scriptedCameraBundle(),
      spawnServer({ IDV_DATA_DIR: dataDir, IDV_POLL_MS: '200' }, ['--demo']),
      launchChromium({ fakeCamera: false }),
      makeLivenessFixtures(),
    ]);
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const accessToken = () => demoClientToken(server.url, dataDir);

  /**
   * An execution with liveness (10013 active by default; 10011 without a `liveness` body runs the passive default),
   * created the way a customer backend does.
   */
  async function createVerification(
    mode: 'passive' | 'passive_active' | 'server-default' = 'passive_active',
    key: 10011 | 10013 = 10013,
  ): Promise<Verification> {
    const response = await fetch(`${server.url}/api/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        customerInternalReference: `liveness-e2e-${Date.now()}`,
        workflowDefinition: {
          key,
          credentials: [
            { category: 'ID', type: { values: ['ID_CARD'] }, country: { values: ['NOR'] } },
            { category: 'SELFIE' },
          ],
        },
        ...(mode === 'server-default' ? {} : { liveness: { mode } }),
      }),
    });
    const body = (await response.json()) as {
      account: { id: string };
      sdk: { token: string };
      workflowExecution: { id: string };
    };
    assert.equal(response.status, 201, JSON.stringify(body));
    return {
      token: body.sdk.token,
      accountId: body.account.id,
      workflowExecutionId: body.workflowExecution.id,
    };
  }

  async function openPage(camera: LivenessCameraOptions = {}) {
    const context = await browser.newContext({ viewport: SCREENSHOT_SIZES[0] });
    contexts.push(context);
    const guard = await guardRequests(context);
    await routeWidgetPage(context, server.url, scenesDir);
    await routeLivenessFrames(context, server.url);
    await context.addInitScript(livenessCameraInitScript(cameraBundle, camera));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, guard, errors };
  }

  const screenshots = (page: Page, name: string) => screenshotAtSizes(page, `liveness-${name}`);

  /** The liveness step's host attributes, from inside the widget's shadow root. */
  const livenessState = (page: Page) =>
    page.evaluate(() => {
      const step = document.querySelector('idv-capture')?.shadowRoot?.querySelector('idv-liveness-step');
      return { state: step?.dataset.livenessState, action: step?.dataset.action };
    });

  /** Consent, then the card's front and back and the selfie through live capture (the scenes pass the checks). */
  async function captureDocumentAndSelfie(page: Page): Promise<void> {
    const widget = page.locator('idv-capture');
    await widget.getByRole('heading', { name: 'Verify your identity' }).waitFor();
    await widget.getByRole('button', { name: 'I agree, continue' }).click();
    for (const title of ['Front of your document', 'Back of your document', 'Take a selfie']) {
      await widget.getByRole('heading', { name: title }).waitFor({ timeout: 30_000 });
      const review = widget.getByRole('heading', { name: 'Check your photo' });
      const shutter = widget.getByRole('button', { name: 'Take photo' });
      const deadline = Date.now() + 30_000;
      while (!(await review.isVisible())) {
        if (Date.now() > deadline && (await shutter.isVisible())) await shutter.click();
        await page.waitForTimeout(250);
      }
      await widget.getByRole('button', { name: 'Use this photo' }).click();
    }
  }

  async function details(verification: Verification): Promise<Record<string, CapabilityResult[]>> {
    const token = await accessToken();
    const base = `${server.url}/api/v1/accounts/${verification.accountId}/workflow-executions/${verification.workflowExecutionId}`;
    const deadline = Date.now() + 120_000;
    let status = '';
    while (Date.now() < deadline) {
      const response = await fetch(`${base}/status`, { headers: { authorization: `Bearer ${token}` } });
      status = ((await response.json()) as { workflowExecution: { status: string } }).workflowExecution
        .status;
      if (status === 'PROCESSED') break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.equal(status, 'PROCESSED');
    const response = await fetch(base, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    return ((await response.json()) as { capabilities: Record<string, CapabilityResult[]> }).capabilities;
  }

  it('guides through the server’s challenge, and the server reports liveness PASSED and similarity MATCH', async (t) => {
    const verification = await createVerification();
    const { page, guard, errors } = await openPage();
    await page.goto(widgetPageUrl(server.url, verification.token));
    await captureDocumentAndSelfie(page);

    const widget = page.locator('idv-capture');
    await widget.getByRole('heading', { name: 'Liveness check' }).waitFor({ timeout: 30_000 });
    await screenshots(page, '1-intro');
    await widget.getByRole('button', { name: 'Start' }).click();

    // Follow each challenge: every instruction and action the step showed, until the server's answer. The server
    // judges the rendered poses with its own mesh and thresholds, with a small margin on some poses: like a user, the
    // test may be asked once to try again, never more.
    const attempts: Array<{
      seen: Array<{ state?: string; action?: string; instruction: string }>;
      answer?: string;
    }> = [];
    let shotTaken = false;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const seen: Array<{ state?: string; action?: string; instruction: string }> = [];
      attempts.push({ seen });
      const deadline = Date.now() + 90_000;
      for (;;) {
        const now = await livenessState(page);
        const instruction = (
          (await widget
            .locator('[part="instruction"]')
            .textContent({ timeout: 1000 })
            .catch(() => '')) ?? ''
        ).trim();
        const last = seen.at(-1);
        if (
          !last ||
          last.action !== now.action ||
          last.instruction !== instruction ||
          last.state !== now.state
        )
          seen.push({ ...now, instruction });
        if (!shotTaken && now.action && now.action !== 'neutral') {
          shotTaken = true;
          await screenshots(page, '2-action');
        }
        if (
          now.state === undefined ||
          now.state === 'done' ||
          now.state === 'retry' ||
          now.state === 'exhausted'
        )
          break;
        assert.ok(Date.now() < deadline, `liveness still ${now.state} / ${now.action}`);
        await page.waitForTimeout(100);
      }
      const final = await livenessState(page);
      attempts.at(-1)!.answer = final.state ?? 'left the step';
      if (final.state !== 'retry') break;
      await screenshots(page, 'x-retry-after-challenge');
      await widget.getByRole('button', { name: 'Try again' }).click();
    }
    t.diagnostic(`liveness attempts: ${JSON.stringify(attempts)}`);
    const poses = await page.evaluate(
      () => (globalThis as unknown as { idvLivenessPoses: string[] }).idvLivenessPoses,
    );
    t.diagnostic(`poses drawn: ${poses.join(' ')}`);
    const answer = attempts.at(-1)!.answer;
    assert.ok(answer === 'left the step' || answer === 'done', `the server confirmed a challenge: ${answer}`);
    const asked = [...new Set(attempts[0]!.seen.map((s) => s.action).filter((a) => a && a !== 'neutral'))];
    assert.ok(asked.length >= 2, `the challenge asked for at least two actions: ${asked.join(', ')}`);

    await widget.getByRole('heading', { name: 'All done' }).waitFor({ timeout: 60_000 });
    const capabilities = await details(verification);
    t.diagnostic(`liveness: ${JSON.stringify(capabilities.liveness)}`);
    t.diagnostic(`similarity: ${JSON.stringify(capabilities.similarity)}`);
    assert.equal(capabilities.liveness?.[0]?.decision.type, 'PASSED');
    assert.equal(capabilities.liveness?.[0]?.data?.challenges, attempts.length);
    assert.equal(capabilities.similarity?.[0]?.decision.details.label, 'MATCH');
    const steps = (
      await page.evaluate(
        () =>
          (window as unknown as { idvEvents: Array<{ type: string; detail: { step: string } }> }).idvEvents,
      )
    )
      .filter((event) => event.type === 'idv-step-change')
      .map((event) => event.detail.step);
    assert.deepEqual(steps, [
      'consent',
      'document-front',
      'document-back',
      'selfie',
      'liveness',
      'upload',
      'done',
    ]);
    assert.deepEqual(errors, []);
    assert.deepEqual(guard.thirdParty, []);
  });

  it('a face that does not move times out, and "Try again" starts a new challenge', async () => {
    const verification = await createVerification();
    const { page, guard, errors } = await openPage({ behaviour: 'frozen' });
    await page.goto(widgetPageUrl(server.url, verification.token));
    await captureDocumentAndSelfie(page);
    const widget = page.locator('idv-capture');
    await widget.getByRole('button', { name: 'Start' }).click({ timeout: 30_000 });
    await page.waitForFunction(
      () =>
        document.querySelector('idv-capture')?.shadowRoot?.querySelector('idv-liveness-step')?.dataset
          .livenessState === 'retry',
      undefined,
      { timeout: 60_000 },
    );
    await screenshots(page, '3-retry');
    assert.match((await widget.getByRole('alert').textContent()) ?? '', /took a little too long/);
    await widget.getByRole('button', { name: 'Try again' }).click();
    await page.waitForFunction(
      () =>
        document.querySelector('idv-capture')?.shadowRoot?.querySelector('idv-liveness-step')?.dataset
          .livenessState === 'running',
      undefined,
      { timeout: 30_000 },
    );
    assert.equal((await livenessState(page)).state, 'running');
    assert.deepEqual(errors, []);
    assert.deepEqual(guard.thirdParty, []);
  });

  it('10011 runs passive liveness by default: a short burst, and the server reports liveness PASSED', async (t) => {
    const verification = await createVerification('server-default', 10011);
    const { page, guard, errors } = await openPage();
    await page.goto(widgetPageUrl(server.url, verification.token));
    await captureDocumentAndSelfie(page);
    const widget = page.locator('idv-capture');
    await widget.getByRole('button', { name: 'Start' }).click({ timeout: 30_000 });
    // A passive challenge asks for no movement: look at the camera, then hold still.
    const actions = new Set<string>();
    const deadline = Date.now() + 90_000;
    for (;;) {
      const now = await livenessState(page);
      if (now.action) actions.add(now.action);
      if (
        now.state === undefined ||
        now.state === 'done' ||
        now.state === 'retry' ||
        now.state === 'exhausted'
      ) {
        const alert = now.state === 'retry' ? await widget.getByRole('alert').textContent() : '';
        assert.notEqual(now.state, 'retry', `the burst of a face with natural motion is accepted: ${alert}`);
        assert.notEqual(now.state, 'exhausted');
        break;
      }
      assert.ok(Date.now() < deadline, `liveness still ${now.state} / ${now.action}`);
      await page.waitForTimeout(100);
    }
    assert.ok(actions.has('hold-still'), [...actions].join(', '));
    assert.deepEqual(
      [...actions].filter((a) => a !== 'neutral' && a !== 'hold-still'),
      [],
      'no head movement is asked for',
    );
    await widget.getByRole('heading', { name: 'All done' }).waitFor({ timeout: 60_000 });
    const capabilities = await details(verification);
    t.diagnostic(`liveness: ${JSON.stringify(capabilities.liveness)}`);
    assert.deepEqual(
      [capabilities.liveness?.[0]?.decision.type, capabilities.liveness?.[0]?.data?.mode],
      ['PASSED', 'passive'],
    );
    assert.equal(capabilities.similarity?.[0]?.decision.details.label, 'MATCH');
    assert.deepEqual(errors, []);
    assert.deepEqual(guard.thirdParty, []);
  });
});
