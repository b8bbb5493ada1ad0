/**
 * What a newcomer gets from `npm start`: idv-server with the demo on embedded defaults (SQLite + filesystem blobs in a
 * data dir), answering /health, serving the demo page and the embed bundle, with nothing fetched from elsewhere.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import { guardRequests, launchChromium } from '../support/browser.js';
import { REPO_ROOT, type ServerProcess, spawnServer } from '../support/server.js';

describe('npm start (idv-server serve --demo)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'idv-demo-'));
    server = await spawnServer({ IDV_DATA_DIR: dataDir }, ['--demo']);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the demo client credentials and keeps its data in the data dir', () => {
    assert.match(server.output(), /demo-client/);
    assert.ok(existsSync(join(dataDir, 'idv.sqlite')), 'SQLite file in the data dir');
  });

  it('answers /health with 200', async () => {
    const res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string };
    assert.equal(body.status, 'ok');
  });

  it('serves the demo page, which starts a verification and mounts <idv-capture> from /sdk', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const guard = await guardRequests(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(`${server.url}/`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/demo/');
    await page.getByRole('heading', { name: 'Before you pick up your car' }).waitFor();
    await page.getByRole('button', { name: 'Start verification' }).click();
    await page.locator('idv-capture').waitFor();
    const token = await page.locator('idv-capture').getAttribute('token');
    assert.match(token ?? '', /\S{20,}/, 'the element received a workflow token');
    // the element rendered its shadow DOM from the embed bundle
    await page.locator('idv-capture').locator('h2, h1').first().waitFor();
    mkdirSync(join(REPO_ROOT, 'test-results/screenshots'), { recursive: true });
    await page.screenshot({
      path: join(REPO_ROOT, 'test-results/screenshots/demo-start-1280x800.png'),
      fullPage: true,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(guard.thirdParty, []);
    await context.close();
  });
});
