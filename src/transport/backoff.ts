import { TransportError } from './transport-error.js';

export interface RetryPolicy {
  /** Attempts while online, the first included (default 5). Offline waiting does not count. */
  maxAttempts: number;
  /** First delay (default 500 ms); doubles per attempt up to {@link maxDelayMs}, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 8000 };

/** Full-jitter exponential backoff: spreads the retries of many clients after an outage. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function isOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

/** Resolves at once when online, otherwise at the next `online` event. */
export function waitUntilOnline(signal?: AbortSignal): Promise<void> {
  if (!isOffline()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onOnline = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      globalThis.removeEventListener('online', onOnline);
      reject(new TransportError('ABORTED', 'Aborted while offline'));
    };
    globalThis.addEventListener('online', onOnline, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TransportError('ABORTED', 'Aborted while waiting to retry'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called before waiting: `offline` while the browser says so, `retrying` before a backoff delay. */
  onWait?: (reason: 'offline' | 'retrying', error: TransportError | undefined, attempt: number) => void;
}

/**
 * Runs `attempt` until it succeeds, retrying {@link TransportError.retriable} failures with backoff. While the
 * browser is offline it waits for the `online` event instead of burning attempts.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  hooks: RetryHooks = {},
): Promise<T> {
  let n = 0;
  for (;;) {
    if (isOffline()) {
      hooks.onWait?.('offline', undefined, n);
      await waitUntilOnline(hooks.signal);
    }
    n++;
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof TransportError) || !error.retriable) throw error;
      // A failure caused by going offline does not count against the budget.
      if (isOffline()) {
        n--;
        continue;
      }
      if (n >= policy.maxAttempts) throw error;
      hooks.onWait?.('retrying', error, n);
      await sleep(backoffDelay(n, policy), hooks.signal);
    }
  }
}
