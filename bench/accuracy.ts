/**
 * The accuracy table for the bench report: the same suite as test/browser/accuracy.test.ts (bench/accuracy-suite.ts),
 * bundled with esbuild and run in headless Chromium against the labelled set of scripts/make-accuracy-set.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { guardRequests, launchChromium } from '../test/support/browser.js';
import { ACCURACY_LABELS, makeAccuracySet } from '../scripts/make-accuracy-set.js';
import { bundleForBrowser, startBenchServer } from './capture.js';

const ROOT = join(import.meta.dirname, '..');

type Row = Record<string, string | number>;

export async function benchAccuracy(): Promise<{ rows: Row[] }> {
  if (!existsSync(join(ROOT, 'dist/assets/manifest.json'))) {
    throw Object.assign(new Error('dist/assets missing: run npm run build:assets'), {
      code: 'BENCH_INPUT_MISSING',
    });
  }
  await makeAccuracySet({ log: () => undefined });
  if (!existsSync(ACCURACY_LABELS)) throw new Error('accuracy set was not generated');
  const files = await bundleForBrowser({
    accuracy: `import { runAccuracySuite, accuracyTableRows } from './bench/accuracy-suite.ts';
      import { confusionTableRows } from './bench/document-tally.ts';
      globalThis.idvAccuracy = { runAccuracySuite, accuracyTableRows, confusionTableRows };`,
  });
  const server = await startBenchServer(files);
  const browser = await launchChromium({ fakeCamera: false });
  try {
    const context = await browser.newContext();
    const guard = await guardRequests(context);
    await context.addInitScript('globalThis.__name ??= (fn) => fn;');
    const page = await context.newPage();
    await page.goto(`${server.origin}/`);
    await page.addScriptTag({ type: 'module', url: '/bench-build/accuracy.js' });
    await page.waitForFunction(() => 'idvAccuracy' in globalThis);
    const { table, ms, misses } = await page.evaluate(async () => {
      const { runAccuracySuite, accuracyTableRows, confusionTableRows } = (
        globalThis as unknown as {
          idvAccuracy: typeof import('./accuracy-suite.js') & typeof import('./document-tally.js');
        }
      ).idvAccuracy;
      const report = await runAccuracySuite();
      const confusion = report.documents ? confusionTableRows(report.documents, 'CI set') : [];
      return {
        table: [...accuracyTableRows(report), ...confusion] as Row[],
        ms: report.ms,
        misses: report.misses.length,
      };
    });
    if (guard.thirdParty.length > 0) throw new Error(`third-party requests: ${guard.thirdParty.join(', ')}`);
    await context.close();
    const seconds = (x: number) => `${Math.round(x / 100) / 10} s`;
    table.push({
      check: 'run time',
      label: `documents ${seconds(ms.documents)}, faces ${seconds(ms.faces)}, barcodes ${seconds(ms.barcodes)}`,
      n: misses,
      'caught / accepted': 'misses in total',
    });
    return { rows: table };
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  console.table((await benchAccuracy()).rows);
}
