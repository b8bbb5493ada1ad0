// Browser tests: system Chromium through Playwright, TypeScript through esbuild, and a request guard that fails
// the run on any request to a non-loopback origin. Run through scripts/run-tests.ts (it loads tsx first).
import { writeFileSync, mkdirSync } from 'node:fs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { CHROMIUM_ARGS, ensureChromium, FAKE_CAMERA_ARGS } from './test/support/chromium.ts';
import { isLocalUrl } from './test/support/browser.ts';

const thirdPartyRequests = [];

/** Lets a test ask the runner which third-party requests were blocked so far: `executeServerCommand('third-party-requests')`. */
const requestGuardPlugin = {
  name: 'idv-request-guard',
  executeCommand({ command }) {
    if (command === 'third-party-requests') return [...thirdPartyRequests];
    return undefined;
  },
};

/** Writes the pass / fail counts so scripts/run-tests.ts can sum all suites. */
const summaryReporter = () => ({
  onTestRunFinished({ sessions }) {
    let passed = 0;
    let failed = 0;
    const walk = (suite) => {
      for (const t of suite.tests ?? []) {
        if (t.skipped) continue;
        if (t.passed) passed++;
        else failed++;
      }
      for (const s of suite.suites ?? []) walk(s);
    };
    for (const s of sessions) {
      if (s.testResults) walk(s.testResults);
      // A file that failed to load has no test results but errors: count it as a failure.
      if (
        !s.passed &&
        (!s.testResults || (s.testResults.tests.length === 0 && s.testResults.suites.length === 0))
      )
        failed++;
    }
    if (thirdPartyRequests.length > 0) {
      console.error(`Blocked requests to third-party origins:\n  ${thirdPartyRequests.join('\n  ')}`);
      failed++;
    }
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/browser.json', JSON.stringify({ passed, failed }));
  },
});

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  rootDir: '.',
  concurrency: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 120_000,
  testsFinishTimeout: 600_000,
  testFramework: { config: { timeout: 60_000 } },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }), requestGuardPlugin],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: ensureChromium(),
        headless: true,
        args: [...CHROMIUM_ARGS, ...FAKE_CAMERA_ARGS],
      },
      async createBrowserContext({ browser }) {
        const context = await browser.newContext();
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (isLocalUrl(url)) return route.continue();
          thirdPartyRequests.push(url);
          return route.abort('blockedbyclient');
        });
        return context;
      },
    }),
  ],
  reporters: [
    // default reporter prints progress and failures
    (await import('@web/test-runner')).defaultReporter(),
    summaryReporter(),
  ],
};
