/**
 * The hosted page (iframe / redirect flows) in headless system Chromium against a real `idv-server --demo`: time
 * from navigation start to the consent step being interactive, and bytes over the wire (CDP encodedDataLength,
 * headers included) until then and until the document step — everything a user downloads before the first capture
 * step. Uncached: a fresh browser context; cached: the same context, a new verification.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, CDPSession } from 'playwright';
import { isLocalUrl, launchChromium } from '../test/support/browser.js';
import { spawnServer } from '../test/support/server.js';

type Row = Record<string, string | number>;
const RUNS = 3;

/** Sums bytes received per response as Chromium's network layer reports them (0 for memory / disk cache hits). */
class ByteCounter {
  total = 0;
  requests = 0;
  constructor(cdp: CDPSession) {
    cdp.on('Network.loadingFinished', (event: { encodedDataLength: number }) => {
      this.total += event.encodedDataLength;
      this.requests += 1;
    });
  }
  reset(): void {
    this.total = 0;
    this.requests = 0;
  }
}

interface Measured {
  consentInteractiveMs: number;
  bytesToConsent: number;
  requestsToConsent: number;
  bytesBeforeCapture: number;
}

async function measure(context: BrowserContext, baseUrl: string): Promise<Measured> {
  const created = (await (await fetch(`${baseUrl}/demo/api/verifications`, { method: 'POST' })).json()) as {
    webHref: string;
  };
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const bytes = new ByteCounter(cdp);
  await page.goto(created.webHref);
  const accept = page.locator('idv-capture').getByRole('button', { name: 'I agree, continue' });
  await accept.waitFor();
  // "Interactive": the button is rendered and enabled; timed inside the page from navigation start.
  await page.waitForFunction(() => {
    const widget = document.querySelector('idv-capture');
    const step = widget?.shadowRoot?.querySelector('idv-consent-step');
    const button = step?.shadowRoot?.querySelector('button');
    return Boolean(button && !(button as HTMLButtonElement).disabled);
  });
  const consentInteractiveMs = await page.evaluate(() => performance.now());
  const bytesToConsent = bytes.total;
  const requestsToConsent = bytes.requests;
  await accept.click();
  await page.locator('idv-capture').getByRole('heading', { name: 'Choose your document' }).waitFor();
  const bytesBeforeCapture = bytes.total;
  await cdp.detach();
  await page.close();
  return { consentInteractiveMs, bytesToConsent, requestsToConsent, bytesBeforeCapture };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const kib = (value: number) => Math.round(value / 102.4) / 10;

export async function benchEmbed(): Promise<{ rows: Row[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'idv-bench-embed-'));
  const server = await spawnServer({ IDV_DATA_DIR: dataDir }, ['--demo']);
  const browser = await launchChromium();
  const cold: Measured[] = [];
  const warm: Measured[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      const context = await browser.newContext();
      // Recorded, not intercepted: Playwright turns the HTTP cache off for contexts with request routing.
      const thirdParty: string[] = [];
      context.on('request', (request) => {
        if (!isLocalUrl(request.url())) thirdParty.push(request.url());
      });
      try {
        cold.push(await measure(context, server.url));
        warm.push(await measure(context, server.url));
        if (thirdParty.length > 0) throw new Error(`third-party requests: ${thirdParty.join(', ')}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const row = (label: string, runs: Measured[]): Row => ({
    case: label,
    runs: runs.length,
    'consent interactive ms (median)': Math.round(median(runs.map((r) => r.consentInteractiveMs))),
    'KiB to consent': kib(median(runs.map((r) => r.bytesToConsent))),
    'requests to consent': median(runs.map((r) => r.requestsToConsent)),
    'KiB before first capture step': kib(median(runs.map((r) => r.bytesBeforeCapture))),
  });
  return { rows: [row('hosted page, uncached', cold), row('hosted page, cached', warm)] };
}

// `tsx bench/embed.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows } = await benchEmbed();
  console.table(rows);
}
