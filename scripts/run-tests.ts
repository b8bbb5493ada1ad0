/**
 * `npm test`: every suite, in order, then one line `N passed, N failed` summing them all.
 *
 *   node     test/node/**\/*.test.ts     node:test (units, server in-process, SQLite + PostgreSQL when IDV_TEST_PG_URL)
 *   browser  test/browser/**\/*.test.ts  @web/test-runner in system Chromium
 *   e2e      test/e2e/**\/*.test.ts      node:test driving Chromium through Playwright against real server processes
 *   cluster  test/cluster/**\/*.test.ts  node:test: three server processes behind nginx on PostgreSQL + S3 (needs
 *                                        IDV_TEST_PG_URL and nginx; without them it reports 0 tests)
 *
 * `npm test -- node` (or browser, e2e) runs one suite. Extra args after the suite name are passed to the runner.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureChromium } from '../test/support/chromium.js';

type Counts = { passed: number; failed: number };
const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'test-results');

function findTests(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => relative(ROOT, join(abs, f)))
    .sort();
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

/** Parses node:test TAP totals; a runner that crashed before reporting counts as one failure. */
function nodeSuite(name: string, dir: string, extra: string[]): Counts {
  const files = findTests(dir);
  if (files.length === 0) return { passed: 0, failed: 0 };
  const tap = join(RESULTS, `${name}.tap`);
  rmSync(tap, { force: true });
  const code = run(process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...extra,
    ...files,
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const num = (key: string) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  const counts = { passed: num('pass'), failed: num('fail') + num('cancelled') };
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

function browserSuite(extra: string[]): Counts {
  if (findTests('test/browser').length === 0) return { passed: 0, failed: 0 };
  const out = join(RESULTS, 'browser.json');
  rmSync(out, { force: true });
  const code = run(process.execPath, [
    '--import',
    'tsx',
    join(ROOT, 'node_modules/@web/test-runner/dist/bin.js'),
    '--config',
    'web-test-runner.config.js',
    ...extra,
  ]);
  const counts: Counts = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { passed: 0, failed: 0 };
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

/** Builds what browser and e2e suites load: model assets, the widget bundles, generated fixtures. */
function prepare(): void {
  ensureChromium();
  const steps: [string, string[]][] = [['npm', ['run', '--silent', 'build']]];
  // Generated test media (each script skips its work when its outputs are up to date).
  for (const script of [
    'make-fixtures.ts',
    'make-accuracy-set.ts',
    'make-widget-fixtures.ts',
    'make-liveness-fixtures.ts',
  ]) {
    if (existsSync(join(ROOT, 'scripts', script)))
      steps.push([process.execPath, ['--import', 'tsx', join('scripts', script)]]);
  }
  for (const [cmd, args] of steps) {
    if (run(cmd, args) !== 0) throw new Error(`preparing tests failed: ${cmd} ${args.join(' ')}`);
  }
}

const [only, ...extra] = process.argv.slice(2);
const suites: Record<string, () => Counts> = {
  node: () => nodeSuite('node', 'test/node', extra),
  browser: () => browserSuite(extra),
  e2e: () => {
    // The last e2e test reads the logs of this run's server processes only.
    rmSync(join(RESULTS, 'server-logs'), { recursive: true, force: true });
    return nodeSuite('e2e', 'test/e2e', extra);
  },
  cluster: () => nodeSuite('cluster', 'test/cluster', extra),
};
if (only && !(only in suites)) {
  console.error(`unknown suite ${only}; one of ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}

mkdirSync(RESULTS, { recursive: true });
const total: Counts = { passed: 0, failed: 0 };
const lines: string[] = [];
const started = Date.now();
let prepared = true;
if (only !== 'node') {
  try {
    prepare();
  } catch (err) {
    // The node suite needs no build: run it anyway so one broken build step does not hide every other result.
    console.error(err instanceof Error ? err.message : err);
    prepared = false;
    total.failed += 1;
    lines.push('prepare: build or fixtures failed; browser and e2e suites not run');
  }
}
try {
  for (const [name, suite] of Object.entries(suites)) {
    if (only && only !== name) continue;
    if (!prepared && name !== 'node') continue;
    const t0 = Date.now();
    const c = suite();
    total.passed += c.passed;
    total.failed += c.failed;
    lines.push(
      `${name}: ${c.passed} passed, ${c.failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  total.failed += 1;
}
const summary = `${total.passed} passed, ${total.failed} failed`;
writeFileSync(join(RESULTS, 'summary.txt'), `${summary}\n`);
console.log(`\n${lines.join('\n')}\ntotal time ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(summary);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
