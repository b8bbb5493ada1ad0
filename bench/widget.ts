/**
 * `<idv-capture>` costs, from the built embed bundle (`dist/sdk`, `npm run build:web` first):
 * - gzip size of the initial bundle (the entry and its static imports: everything before the first camera step;
 *   target ≤ 40 KB) and of the lazily loaded capture chunk (+ its analysis worker);
 * - time from the element connected to the consent screen rendered, in headless Chromium against a real
 *   `idv-server --demo` (median of several page loads);
 * - full-flow wall time with the scripted camera: consent → document → front → back → selfie → upload → done.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright';
import { makeWidgetFixtures } from '../scripts/make-widget-fixtures.js';
import {
  cameraInitScript,
  routeWidgetPage,
  scriptedCameraBundle,
  widgetPageUrl,
} from '../test/e2e/pages/widget-driver.js';
import { guardRequests, launchChromium } from '../test/support/browser.js';
import { type ServerProcess, spawnServer } from '../test/support/server.js';

const SDK = join(import.meta.dirname, '..', 'dist/sdk');
const INITIAL_BUDGET_KB = 40;
const CONSENT_RUNS = 5;

type Row = Record<string, string | number>;

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const gzipBytes = (file: string) => gzipSync(readFileSync(join(SDK, file)), { level: 9 }).length;

/** Relative static imports of a built module (`import … from"./x.js"`, `import"./x.js"`), not `import()`. */
function staticImports(file: string): string[] {
  const code = readFileSync(join(SDK, file), 'utf8');
  const found = new Set<string>();
  for (const match of code.matchAll(/\bfrom\s*["'`]\.\/([^"'`]+)["'`]|\bimport\s*["'`]\.\/([^"'`]+)["'`]/g))
    found.add((match[1] ?? match[2])!);
  return [...found];
}

/** A module and everything it imports statically. */
function staticClosure(entry: string, into = new Set<string>()): Set<string> {
  if (into.has(entry)) return into;
  into.add(entry);
  for (const next of staticImports(entry)) staticClosure(next, into);
  return into;
}

export function widgetBundleSizes(): { initial: string[]; capture: string[]; rows: Row[] } {
  const initial = staticClosure('idv-capture.js');
  const entryCode = readFileSync(join(SDK, 'idv-capture.js'), 'utf8');
  const captureEntry = /import\(\s*["'`]\.\/(capture-step-[^"'`]+)["'`]\s*\)/.exec(entryCode)?.[1];
  if (!captureEntry)
    throw Object.assign(new Error('no capture-step chunk in dist/sdk'), { code: 'NO_CHUNK' });
  const capture = [...staticClosure(captureEntry)].filter((file) => !initial.has(file));
  const sum = (files: string[]) => files.reduce((total, file) => total + gzipBytes(file), 0);
  const initialGzip = sum([...initial]);
  const rows: Row[] = [
    {
      measure: 'initial bundle (gzip, before the first camera step)',
      value: kb(initialGzip),
      unit: 'KB',
      note: `${[...initial].join(' + ')}; budget ${INITIAL_BUDGET_KB} KB: ${kb(initialGzip) <= INITIAL_BUDGET_KB ? 'within' : 'OVER'}`,
    },
    { measure: 'capture chunk (gzip, lazy)', value: kb(sum(capture)), unit: 'KB', note: capture.join(' + ') },
  ];
  // The analysis worker and what it imports on demand (MediaPipe for the selfie, zxing for licence backs).
  for (const file of readdirSync(join(SDK, 'chunks'))
    .filter((name) => name.endsWith('.js'))
    .sort()) {
    rows.push({
      measure: `worker chunk ${file.replace(/-[\w-]{8}\.js$/, '')} (gzip, lazy)`,
      value: kb(gzipBytes(join('chunks', file))),
      unit: 'KB',
      note: `chunks/${file}`,
    });
  }
  return { initial: [...initial], capture, rows };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function startVerification(server: ServerProcess): Promise<string> {
  const response = await fetch(`${server.url}/demo/api/verifications`, { method: 'POST' });
  return ((await response.json()) as { token: string }).token;
}

/** Accepts the reviewed photo; a photo failing the checks is taken again until the retake cap allows it. */
async function captureAndUse(page: Page, title: string): Promise<void> {
  const widget = page.locator('idv-capture');
  for (let attempt = 1; attempt <= 4; attempt++) {
    await widget.getByRole('heading', { name: title }).waitFor({ timeout: 60_000 });
    await widget.getByRole('heading', { name: 'Check your photo' }).waitFor({ timeout: 90_000 });
    const use = widget.getByRole('button', { name: 'Use this photo' });
    if ((await use.count()) > 0) {
      await use.click();
      return;
    }
    await widget.getByRole('button', { name: 'Retake' }).click();
  }
  throw Object.assign(new Error(`no usable photo for "${title}"`), { code: 'CAPTURE_STUCK' });
}

async function fullFlowSeconds(browser: Browser, server: ServerProcess, scenesDir: string, bundle: string) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    const guard = await guardRequests(context);
    await routeWidgetPage(context, server.url, scenesDir);
    await context.addInitScript(cameraInitScript(bundle));
    const page = await context.newPage();
    const widget = page.locator('idv-capture');
    const started = performance.now();
    await page.goto(widgetPageUrl(server.url, await startVerification(server)));
    await widget.getByRole('button', { name: 'I agree, continue' }).click();
    await widget.getByRole('radio', { name: 'Identity card' }).check();
    await widget.locator('select').selectOption('NOR');
    await widget.getByRole('button', { name: 'Continue' }).click();
    for (const title of ['Front of your document', 'Back of your document', 'Take a selfie'])
      await captureAndUse(page, title);
    await widget.getByRole('heading', { name: 'All done' }).waitFor({ timeout: 60_000 });
    const seconds = (performance.now() - started) / 1000;
    const methods = await page.evaluate(() =>
      (window as unknown as { idvEvents: Array<{ type: string; detail: { method?: string } }> }).idvEvents
        .filter((event) => event.type === 'idv-capture')
        .map((event) => event.detail.method),
    );
    if (guard.thirdParty.length > 0)
      throw Object.assign(new Error('third-party request'), { code: 'THIRD_PARTY_REQUEST' });
    return { seconds, methods };
  } finally {
    await context.close();
  }
}

export async function benchWidget(): Promise<{ rows: Row[] }> {
  const { rows } = widgetBundleSizes();
  const dataDir = mkdtempSync(join(tmpdir(), 'idv-bench-widget-'));
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  try {
    const [scenesDir, bundle, spawned, launched] = await Promise.all([
      makeWidgetFixtures(),
      scriptedCameraBundle(),
      spawnServer({ IDV_DATA_DIR: dataDir, IDV_POLL_MS: '200' }, ['--demo']),
      launchChromium({ fakeCamera: false }),
    ]);
    server = spawned;
    browser = launched;

    const consentMs: number[] = [];
    for (let run = 0; run < CONSENT_RUNS; run++) {
      // A fresh context each time: cold HTTP cache, like a first visit.
      const context = await browser.newContext();
      await routeWidgetPage(context, server.url, scenesDir);
      const page = await context.newPage();
      await page.goto(widgetPageUrl(server.url, await startVerification(server)));
      await page.waitForFunction(() => (window as unknown as { idvConsentAt?: number }).idvConsentAt);
      consentMs.push(
        await page.evaluate(() => {
          const w = window as unknown as { idvConsentAt: number; idvConnectedAt: number };
          return w.idvConsentAt - w.idvConnectedAt;
        }),
      );
      await context.close();
    }
    rows.push({
      measure: 'element connected → consent rendered (median)',
      value: Math.round(median(consentMs)),
      unit: 'ms',
      note: `${CONSENT_RUNS} cold loads, includes GET /api/v1/session; all: ${consentMs.map(Math.round).join(', ')}`,
    });

    const flow = await fullFlowSeconds(browser, server, scenesDir, bundle);
    rows.push({
      measure: 'full flow wall time, scripted camera',
      value: Math.round(flow.seconds * 10) / 10,
      unit: 's',
      note: `page load → done (incl. automated clicks, uploads, finalize); capture methods: ${flow.methods.join(', ')}`,
    });
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows } = await benchWidget();
  console.table(rows);
}
