/**
 * The three ways to embed, end to end against a real `idv-server --demo` in Chromium: the embed tag on another
 * origin (CORS, the documented CSP), the iframe flow through `mountVerification` (messages, foreign origins
 * ignored, framing refused to non-allowed origins), the redirect flow (token leaves the URL, success / error URLs
 * with their codes), and the cross-device handoff (single-use link).
 *
 * How capture is completed: the widget's own screens are exercised up to the consent / document step; the photos
 * themselves are uploaded through the widget API with the page's (phone's) token and finalized — the pages under
 * test then have to notice the finished execution through the cross-device handoff, exactly as a desktop does when
 * the phone finishes. Processing runs in the real server until the execution is PROCESSED.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright';
import { SessionResponse } from '../../src/shared/api/index.js';
import { guardRequests, launchChromium } from '../support/browser.js';
import {
  basicAuth,
  makeJpeg,
  runCli,
  type ServerProcess,
  spawnServer,
  uploadForm,
} from '../support/server.js';

interface DemoVerification {
  token: string;
  webHref: string;
  accountId: string;
  workflowExecutionId: string;
}

/** The same server under another host name is another origin, and not one the demo client allows. */
function foreignOrigin(url: string): string {
  const parsed = new URL(url);
  return `http://127.0.0.1:${parsed.port}`;
}

const HOSTED_SELECTOR = '#idv-hosted';

/** A customer's web server on 127.0.0.1 (another origin than the idv-server on localhost) serving one page. */
async function startShop() {
  let page = { headers: {} as Record<string, string>, body: '' };
  const shop: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', ...page.headers }).end(page.body);
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  const { port } = shop.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    serve(next: typeof page) {
      page = next;
    },
    close: () => new Promise<void>((resolve) => shop.close(() => resolve())),
  };
}

describe('three ways to embed (idv-server --demo)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'idv-embed-e2e-'));
    server = await spawnServer({ IDV_DATA_DIR: dataDir, IDV_POLL_MS: '200' }, ['--demo']);
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A context whose third-party requests are blocked and recorded, plus a log of CSP violations. */
  async function openContext(options: { mobile?: boolean } = {}) {
    const context = await browser.newContext(
      options.mobile ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : {},
    );
    contexts.push(context);
    const guard = await guardRequests(context);
    const cspViolations: string[] = [];
    context.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    return { context, guard, cspViolations };
  }

  async function startDemoVerification(): Promise<DemoVerification> {
    const response = await fetch(`${server.url}/demo/api/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    return (await response.json()) as DemoVerification;
  }

  async function session(token: string) {
    const response = await fetch(`${server.url}/api/v1/session`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200, await response.clone().text());
    return SessionResponse.parse(await response.json());
  }

  /** What the phone's widget would send: consent, document, three photos, finalize — with the phone's token. */
  async function captureThroughApi(token: string): Promise<void> {
    const authorization = `Bearer ${token}`;
    const json = { authorization, 'content-type': 'application/json' };
    const view = await session(token);
    for (const [method, url, body] of [
      ['POST', view.links.consent, { accepted: true, version: 'e2e' }],
      ['PUT', view.links.document, { type: 'ID_CARD', country: 'DEU' }],
    ] as const) {
      const response = await fetch(url, { method, headers: json, body: JSON.stringify(body) });
      assert.equal(response.status, 200, `${method} ${url}: ${await response.text()}`);
    }
    let seed = 10;
    for (const part of view.links.parts) {
      seed += 1;
      const response = await fetch(part.href, {
        method: 'POST',
        headers: { authorization },
        body: uploadForm(await makeJpeg(900, 600, seed)),
      });
      assert.equal(response.status, 201, `upload ${part.classifier}: ${await response.text()}`);
    }
    const finalize = await fetch(view.links.finalize, { method: 'PUT', headers: { authorization } });
    assert.equal(finalize.status, 200, await finalize.text());
  }

  async function waitForStatus(token: string, status: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    let last = '';
    while (Date.now() < deadline) {
      last = (await session(token)).workflowExecution.status;
      if (last === status) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.fail(`execution stayed ${last}, expected ${status}`);
  }

  /**
   * Opens a handoff link on a "phone" (its own browser context), checks the hosted page took the token out of the
   * address bar, and returns the phone's token (kept in the tab's sessionStorage for reloads).
   */
  async function openOnPhone(link: string): Promise<{ page: Page; token: string }> {
    const { context, guard } = await openContext({ mobile: true });
    const page = await context.newPage();
    const response = await page.goto(link);
    assert.equal(response?.status(), 200);
    await page.locator('idv-capture').locator('h2').first().waitFor();
    assert.doesNotMatch(page.url(), /authorizationToken/);
    const token = await page.evaluate(() => {
      const key = Object.keys(sessionStorage).find((name) => name.startsWith('idv-hosted-token:'));
      return key ? sessionStorage.getItem(key) : null;
    });
    assert.match(token ?? '', /^idv_wt_/);
    assert.deepEqual(guard.thirdParty, []);
    return { page, token: token as string };
  }

  /** Clicks "Continue on your phone" wherever it is and reads the single-use link `<idv-handoff>` shows. */
  async function handoffLink(scope: Page | ReturnType<Page['frameLocator']>): Promise<string> {
    const link = scope.locator('idv-handoff').locator('[part="link"]');
    await link.waitFor();
    const url = (await link.textContent())?.trim() ?? '';
    assert.match(url, /\/web\/v1\/handoff\/[\w-]{12}$/);
    await scope.locator('idv-handoff').locator('[part="qr-code"] svg').waitFor();
    return url;
  }

  describe('embed tag', () => {
    it('runs <idv-capture> from /sdk on another allowed origin under the documented CSP', async () => {
      // A real customer server on another origin (a fulfilled route would count as a public page, and Chromium's
      // local-network rules would then refuse it loopback scripts).
      const shop = await startShop();
      after(() => shop.close());
      const origin = shop.origin;
      const cli = await runCli(
        ['client', 'create', '--name', 'Shop on another origin', '--allowed-origin', origin, '--json'],
        { IDV_DATA_DIR: dataDir, IDV_LOG_LEVEL: 'warn' },
      );
      assert.equal(cli.code, 0, cli.stderr);
      const created = JSON.parse(cli.stdout) as { clientId: string; clientSecret: string };
      const tokenResponse = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(created.clientId, created.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await tokenResponse.json()) as { access_token: string };
      const createAccount = (successUrl: string) =>
        fetch(`${server.url}/api/v1/accounts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            customerInternalReference: 'e2e-embed-tag',
            workflowDefinition: { key: 10011, credentials: [{ category: 'ID' }, { category: 'SELFIE' }] },
            web: { successUrl, errorUrl: `${origin}/failed` },
          }),
        });
      // Success URLs off the client's origins are refused at creation.
      const refused = await createAccount(`${server.url}/demo/`);
      assert.equal(refused.status, 403);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'ORIGIN_NOT_ALLOWED');
      const account = await createAccount(`${origin}/done`);
      assert.equal(account.status, 201);
      const { sdk } = (await account.json()) as { sdk: { token: string } };

      const { context, guard, cspViolations } = await openContext();
      const csp = [
        "default-src 'self'",
        `script-src 'self' ${server.url} 'wasm-unsafe-eval'`,
        `connect-src 'self' ${server.url}`,
        `worker-src 'self' ${server.url} blob:`,
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "style-src 'self' 'unsafe-inline'",
      ].join('; ');
      shop.serve({
        headers: { 'Content-Security-Policy': csp },
        body: `<!doctype html><title>Shop</title><main>
            <script type="module" src="${server.url}/sdk/idv-capture.js"></script>
            <idv-capture token="${sdk.token}" api-base="${server.url}"></idv-capture></main>`,
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // The analysis worker comes from idv-server's origin: it must start (through a same-origin blob module), and
      // it starts while the user reads the consent, before any camera step.
      const workerStarted = page.waitForEvent('worker');
      await page.goto(`${origin}/`);
      const widget = page.locator('idv-capture');
      await widget.getByRole('heading', { name: 'Verify your identity' }).waitFor();
      const worker = await workerStarted;
      await widget.getByRole('button', { name: 'I agree, continue' }).click();
      // The consent went through the API from the other origin (CORS) and the flow moved on.
      await widget.getByRole('heading', { name: 'Choose your document' }).waitFor();
      assert.equal((await session(sdk.token)).consent.given, true);
      await widget.getByRole('radio', { name: 'Identity card' }).check();
      await widget.locator('select').selectOption('DEU');
      await widget.getByRole('button', { name: 'Continue' }).click();
      await widget.getByRole('heading', { name: 'Front of your document' }).waitFor();
      assert.equal(page.workers().length, 1, 'the camera step uses the worker started at consent');
      assert.match(
        worker.url(),
        /^blob:/,
        'the cross-origin worker script is started through a same-origin blob',
      );
      // Ask the running worker to assess an empty frame and catch its answer: proof that the analysis module
      // (imported from idv-server's origin) loaded and works.
      const answer = await worker.evaluate(async () => {
        const canvas = new OffscreenCanvas(640, 480);
        const ctx = canvas.getContext('2d')!;
        ctx.fillStyle = '#3b3026';
        ctx.fillRect(0, 0, 640, 480);
        const frame = canvas.transferToImageBitmap();
        const scope = self as unknown as { postMessage: (m: unknown, t?: Transferable[]) => void };
        return new Promise<string>((resolve) => {
          const original = scope.postMessage.bind(self);
          scope.postMessage = (m: unknown, t?: Transferable[]) => {
            const message = m as { type: string; id?: number; result?: { issues: string[] } };
            if (message.id !== 424242) return original(m, t);
            scope.postMessage = original;
            resolve(`${message.type}:${message.result?.issues.join(',')}`);
          };
          self.dispatchEvent(
            new MessageEvent('message', {
              data: { type: 'document', id: 424242, frame, options: { side: 'front' } },
            }),
          );
        });
      });
      assert.equal(answer, 'document:NO_DOCUMENT');
      assert.deepEqual(errors, []);
      assert.deepEqual(cspViolations, []);
      assert.deepEqual(guard.thirdParty, []);
    });

    it('finishes in the customer page when the phone finishes (cross-device from the demo)', async () => {
      const { context, guard } = await openContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/demo/`);
      await page.getByRole('button', { name: 'Continue on my phone' }).click();
      const link = await handoffLink(page);
      const desktopToken = await page.locator('idv-handoff').getAttribute('token');
      const phone = await openOnPhone(link);
      await captureThroughApi(phone.token);
      await page.getByText(/^Thanks! Verification .+ was sent/).waitFor();
      await waitForStatus(desktopToken ?? '', 'PROCESSED');
      // The link worked once; a second use gets the clear error page.
      const again = await phone.page.goto(link);
      assert.equal(again?.status(), 410);
      await phone.page.getByRole('heading', { name: 'This link was already used' }).waitFor();
      assert.deepEqual(guard.thirdParty, []);
    });
  });

  describe('iframe flow', () => {
    it('mounts the hosted page, relays its messages, and completes with the execution PROCESSED', async () => {
      const { context, guard, cspViolations } = await openContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/demo/`);
      await page.getByRole('tab', { name: 'Iframe' }).click();
      await page.getByRole('button', { name: 'Start verification' }).click();
      const iframe = page.locator('iframe.hosted-frame');
      await iframe.waitFor();
      assert.equal(await iframe.getAttribute('allow'), 'camera; fullscreen');
      const log = page.locator('#log');
      await log.getByText('"type":"loaded"').waitFor();
      await log.getByText('"type":"step"').first().waitFor();
      assert.match((await log.textContent()) ?? '', /"step":"consent"/);

      const frame = page.frameLocator('iframe.hosted-frame');
      await frame.locator('idv-capture').getByRole('heading', { name: 'Verify your identity' }).waitFor();
      await frame.getByRole('button', { name: /Continue on your phone/ }).click();
      const link = await handoffLink(frame);
      const phone = await openOnPhone(link);
      await captureThroughApi(phone.token);
      await log.getByText('"type":"success"').waitFor();
      await page.getByText(/^Thanks! Verification .+ was sent/).waitFor();
      const success = /message (\{"type":"success".*\})/.exec((await log.textContent()) ?? '')?.[1] ?? '{}';
      const message = JSON.parse(success) as { accountId: string; workflowExecutionId: string };
      const phoneView = await session(phone.token);
      assert.equal(message.workflowExecutionId, phoneView.workflowExecution.id);
      assert.equal(message.accountId, phoneView.account.id);
      await waitForStatus(phone.token, 'PROCESSED');
      assert.deepEqual(cspViolations, []);
      assert.deepEqual(guard.thirdParty, []);
    });

    it('ignores messages from any origin but the hosted page’s', async () => {
      const verification = await startDemoVerification();
      const { context } = await openContext();
      const foreign = foreignOrigin(server.url);
      const forged = JSON.stringify({
        source: 'idv-capture',
        version: 1,
        type: 'success',
        accountId: 'forged',
        workflowExecutionId: 'forged',
        status: 'PROCESSED',
      });
      await context.route(`${foreign}/forge`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><script>parent.postMessage(${forged}, '*');</script>`,
        }),
      );
      // A customer page on the allowed origin with the helper, and a second, foreign frame that forges messages.
      await context.route(`${server.url}/customer-under-test`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><div id="slot"></div><script type="module">
            import { mountVerification } from '/sdk/embed.js';
            window.received = []; window.seen = [];
            addEventListener('message', (e) => window.seen.push(e.origin));
            mountVerification(document.getElementById('slot'), ${JSON.stringify(verification.webHref)}, {
              onEvent: (m) => window.received.push(m),
              onComplete: (r) => window.received.push({ completed: r }),
            });
            </script>`,
        }),
      );
      const page = await context.newPage();
      await page.goto(`${server.url}/customer-under-test`);
      // The real hosted page is heard …
      await page.waitForFunction(() =>
        ((window as unknown as { received?: Array<{ type?: string }> }).received ?? []).some(
          (m) => m.type === 'loaded',
        ),
      );
      await page.evaluate((src) => {
        const frame = document.createElement('iframe');
        frame.src = src;
        document.body.append(frame);
      }, `${foreign}/forge`);
      // … the forged message arrives at the window (so the helper's listener ran) but is not passed on.
      await page.waitForFunction(
        (origin) => (window as unknown as { seen: string[] }).seen.includes(origin),
        foreign,
      );
      const received = await page.evaluate(() => (window as unknown as { received: unknown[] }).received);
      assert.ok(received.length > 0);
      assert.ok(
        received.every((m) => JSON.stringify(m).indexOf('forged') === -1),
        `forged message leaked: ${JSON.stringify(received)}`,
      );
    });

    it('refuses to render inside a page whose origin the client did not allow', async () => {
      const verification = await startDemoVerification();
      const { context } = await openContext();
      const parentPage = (src: string) =>
        `<!doctype html><iframe id="f" src="${src}" allow="camera"></iframe>`;
      const foreign = foreignOrigin(server.url);
      await context.route(`${foreign}/evil-parent`, (route) =>
        route.fulfill({ contentType: 'text/html', body: parentPage(verification.webHref) }),
      );
      await context.route(`${server.url}/good-parent`, (route) =>
        route.fulfill({ contentType: 'text/html', body: parentPage(verification.webHref) }),
      );
      const framedBy = async (url: string) => {
        const page = await context.newPage();
        const requested = page.waitForRequest((request) => request.url() === verification.webHref);
        await page.goto(url, { waitUntil: 'load' });
        await requested;
        const child = page.frames().find((frame) => frame !== page.mainFrame());
        assert.ok(child, 'the iframe exists');
        await child.waitForLoadState('load');
        const rendered = await child.locator(HOSTED_SELECTOR).count();
        await page.close();
        return rendered;
      };
      assert.equal(
        await framedBy(`${server.url}/good-parent`),
        1,
        'an allowed origin can frame the hosted page',
      );
      assert.equal(await framedBy(`${foreign}/evil-parent`), 0, 'a foreign origin gets nothing');
      // The page was there to be had: the browser refused it because of frame-ancestors.
      const direct = await fetch(verification.webHref);
      assert.equal(direct.status, 200);
      assert.match(
        direct.headers.get('content-security-policy') ?? '',
        new RegExp(`frame-ancestors ${server.url}(;|$)`),
      );
    });
  });

  describe('redirect flow', () => {
    it('drops the token from the URL, and returns to the success URL with the ids when done', async () => {
      const verification = await startDemoVerification();
      const { context, guard, cspViolations } = await openContext();
      const page = await context.newPage();
      const response = await page.goto(verification.webHref);
      assert.equal(response?.headers()['referrer-policy'], 'no-referrer');
      assert.match(response?.headers()['content-security-policy'] ?? '', /frame-ancestors/);
      await page.locator('idv-capture').getByRole('heading', { name: 'Verify your identity' }).waitFor();
      assert.doesNotMatch(page.url(), /authorizationToken|idv_wt_/);
      assert.equal(
        new URL(page.url()).searchParams.get('workflowExecutionId'),
        verification.workflowExecutionId,
      );

      await page.getByRole('button', { name: /Continue on your phone/ }).click();
      const link = await handoffLink(page);
      const phone = await openOnPhone(link);
      const back = page.waitForRequest((request) => request.url().includes('acquisitionStatus=SUCCESS'));
      await captureThroughApi(phone.token);
      const landed = new URL((await back).url());
      assert.equal(landed.pathname, '/demo/');
      assert.equal(landed.searchParams.get('accountId'), verification.accountId);
      assert.equal(landed.searchParams.get('workflowExecutionId'), verification.workflowExecutionId);
      await page.getByText(/^Thanks! Verification .+ was sent/).waitFor();
      await waitForStatus(verification.token, 'PROCESSED');
      assert.deepEqual(cspViolations, []);
      assert.deepEqual(guard.thirdParty, []);
    });

    it('sends a declined consent to the error URL with CONSENT_DECLINED', async () => {
      const verification = await startDemoVerification();
      const { context } = await openContext();
      const page = await context.newPage();
      await page.goto(verification.webHref);
      const back = page.waitForRequest((request) => request.url().includes('acquisitionStatus=ERROR'));
      await page.locator('idv-capture').getByRole('button', { name: 'No, thanks' }).click();
      const landed = new URL((await back).url());
      assert.equal(landed.searchParams.get('errorCode'), 'CONSENT_DECLINED');
      await page.getByText('The verification stopped (CONSENT_DECLINED).').waitFor();
    });

    it('sends an expired token to the error URL with TOKEN_EXPIRED', async () => {
      const verification = await startDemoVerification();
      // The token's lifetime ran out: set its deadline in the past, in the server's own database.
      const database = new SQLite(join(dataDir, 'idv.sqlite'));
      try {
        database
          .prepare('update workflow_executions set token_expires_at = ? where id = ?')
          .run(new Date(Date.now() - 60_000).toISOString(), verification.workflowExecutionId);
      } finally {
        database.close();
      }
      const { context } = await openContext();
      const page = await context.newPage();
      const back = page.waitForRequest((request) => request.url().includes('acquisitionStatus=ERROR'));
      await page.goto(verification.webHref);
      const landed = new URL((await back).url());
      assert.equal(landed.pathname, '/demo/');
      assert.equal(landed.searchParams.get('errorCode'), 'TOKEN_EXPIRED');
      await page.getByText('The verification stopped (TOKEN_EXPIRED).').waitFor();
    });
  });
});
