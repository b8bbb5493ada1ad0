/** Playwright launch helpers for end-to-end tests and benchmarks: system Chromium, no network, request guard. */
import { type Browser, type BrowserContext, chromium, type LaunchOptions } from 'playwright';
import { CHROMIUM_ARGS, ensureChromium, FAKE_CAMERA_ARGS } from './chromium.js';

export interface LaunchChromiumOptions {
  /** Extra Chromium flags, e.g. `--use-file-for-fake-video-capture=…`. */
  args?: string[];
  /** Give pages a fake camera (default true). */
  fakeCamera?: boolean;
  launch?: LaunchOptions;
}

export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  const executablePath = ensureChromium();
  const args = [
    ...CHROMIUM_ARGS,
    ...(options.fakeCamera === false ? [] : FAKE_CAMERA_ARGS),
    ...(options.args ?? []),
  ];
  return chromium.launch({ executablePath, headless: true, args, ...options.launch });
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for URLs a test page may load: loopback origins and in-page schemes (data:, blob:). */
export function isLocalUrl(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  return LOCAL_HOSTS.has(u.hostname) || u.hostname.endsWith('.localhost');
}

/**
 * Aborts and records every request to a non-loopback origin. Assert `thirdParty` is empty at the end of a test:
 * nothing the kit does may reach a third-party origin.
 */
export async function guardRequests(context: BrowserContext): Promise<{ thirdParty: string[] }> {
  const guard = { thirdParty: [] as string[] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocalUrl(url)) return route.continue();
    guard.thirdParty.push(url);
    return route.abort('blockedbyclient');
  });
  return guard;
}
