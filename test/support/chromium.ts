/**
 * Finds the system Chromium for tests and benchmarks. We never download a browser: the kit's users often run
 * where only their distribution's packages are allowed, and so does CI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Flags that keep Chromium from reaching the network at start (see README, "Tests"). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-default-apps',
];

/** Flags that give the page a fake camera without a permission prompt. */
export const FAKE_CAMERA_ARGS: readonly string[] = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  return CANDIDATES.find((p) => existsSync(p));
}

const APT_COMMAND = 'apt-get update && apt-get install -y chromium';

function isDebianLike(): boolean {
  return (
    existsSync('/etc/debian_version') || /ID(_LIKE)?=.*(debian|ubuntu)/.test(safeRead('/etc/os-release'))
  );
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Returns the Chromium path, installing Debian's package when we are root on Debian/Ubuntu.
 * Anywhere else it stops with the exact command to run.
 */
export function ensureChromium(log: (line: string) => void = console.log): string {
  const found = findChromium();
  if (found) return found;
  if (isDebianLike() && process.getuid?.() === 0) {
    log(`Chromium not found; installing Debian's chromium package: ${APT_COMMAND}`);
    execFileSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${APT_COMMAND}`], { stdio: 'inherit' });
    const installed = findChromium();
    if (installed) return installed;
  }
  throw new Error(
    `Chromium not found. Install it with: sudo ${APT_COMMAND}  (or set CHROME_PATH to a Chromium/Chrome binary). ` +
      'Tests never download a browser.',
  );
}
