/**
 * Client-secret verification for the token endpoint (issue #18, item 4), built so that wrong secrets cannot slow
 * the server and timing does not tell whether a client id exists:
 *
 * - scrypt runs on one dedicated worker thread, not on libuv's shared pool (4 threads that file reads, WebCrypto
 *   hashes and DNS also need): at ~62 wrong secrets/s the pool was saturated and `/health` took 2.7 s. At most
 *   {@link MAX_QUEUED_VERIFICATIONS} wait; beyond that the endpoint answers 503 at once.
 * - An unknown client id is verified against a dummy hash of the same cost, so it costs what a known one costs.
 * - A successful verification is remembered for {@link VERIFIED_CACHE_MS} (keyed by id, secret hash and the stored
 *   hash it matched), so an honest client that asks for tokens often pays scrypt once; rotating the secret changes
 *   the stored hash, which invalidates the entry on every node.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Verifications waiting for the worker beyond which the endpoint refuses (≈ 1 s of work at ~50 ms each). */
export const MAX_QUEUED_VERIFICATIONS = 16;
/** How long a verified (id, secret) pair skips scrypt. */
export const VERIFIED_CACHE_MS = 5 * 60_000;
const CACHE_ENTRIES = 1_000;

export class VerifierBusyError extends Error {
  override readonly name = 'VerifierBusyError';
  readonly code = 'VERIFIER_BUSY';
}

/**
 * The worker: scrypt with the same parameters `hashClientSecret` stores (Node's defaults, N=16384). Synchronous on
 * purpose: the async `scrypt` would hand the work back to libuv's pool, which worker threads share with the main one
 * (measured: `/health` p50 0.99 s under 62 unknown ids/s with the async call in the worker).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', ({ id, secret, salt, length }) => {
  let key = null;
  try {
    key = scryptSync(secret, Buffer.from(salt, 'base64'), length).toString('base64');
  } catch {}
  parentPort.postMessage({ id, key });
});
`;

/** A hash of a random secret: verifying against it costs what a real hash costs and never succeeds. */
const DUMMY_HASH = (() => {
  const salt = randomBytes(16);
  const key = scryptSync(randomBytes(32).toString('base64url'), salt, 32);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
})();

function cacheKeyOf(clientId: string, secret: string): string {
  return `${clientId}\0${createHash('sha256').update(secret).digest('base64')}`;
}

export class SecretVerifier {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (key: Buffer | undefined) => void>();
  private readonly verified = new Map<string, { storedHash: string; until: number }>();

  /** True when this (id, secret) matched `storedHash` within the last {@link VERIFIED_CACHE_MS}: no scrypt needed. */
  async verifyCached(
    clientId: string,
    secret: string,
    storedHash: string,
    now = Date.now(),
  ): Promise<boolean> {
    const cached = this.verified.get(cacheKeyOf(clientId, secret));
    return !!cached && cached.storedHash === storedHash && cached.until > now;
  }

  /** Whether `secret` matches `storedHash` (undefined: unknown client, checked against the dummy hash). */
  async verify(
    clientId: string,
    secret: string,
    storedHash: string | undefined,
    now = Date.now(),
  ): Promise<boolean> {
    const cacheKey = cacheKeyOf(clientId, secret);
    if (storedHash && (await this.verifyCached(clientId, secret, storedHash, now))) return true;
    const [scheme, saltB64, keyB64] = (storedHash ?? DUMMY_HASH).split('$');
    const valid = scheme === 'scrypt' && saltB64 && keyB64;
    const expected = Buffer.from(valid ? keyB64 : (DUMMY_HASH.split('$')[2] as string), 'base64');
    const salt = valid ? saltB64 : (DUMMY_HASH.split('$')[1] as string);
    const actual = await this.scrypt(secret, salt, expected.length);
    const matches = !!storedHash && !!valid && actual !== undefined && timingSafeEqual(actual, expected);
    if (matches) this.remember(cacheKey, storedHash, now);
    return matches;
  }

  /** Verifications waiting or running (for tests and metrics). */
  get queued(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    for (const settle of this.pending.values()) settle(undefined);
    this.pending.clear();
    await worker?.terminate();
  }

  private remember(cacheKey: string, storedHash: string, now: number): void {
    if (this.verified.size >= CACHE_ENTRIES) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(cacheKey, { storedHash, until: now + VERIFIED_CACHE_MS });
  }

  private scrypt(secret: string, salt: string, length: number): Promise<Buffer | undefined> {
    if (this.pending.size >= MAX_QUEUED_VERIFICATIONS) {
      return Promise.reject(new VerifierBusyError('too many client verifications waiting'));
    }
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      // Referenced only while it holds work: an idle verifier never keeps a CLI or test process alive.
      worker.ref();
      worker.postMessage({ id, secret, salt, length });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', ({ id, key }: { id: number; key: string | null }) => {
      const settle = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      settle?.(key ? Buffer.from(key, 'base64') : undefined);
    });
    worker.on('error', () => {
      // A crashed worker fails what it held (no token issued) and a new one starts on the next request.
      for (const settle of this.pending.values()) settle(undefined);
      this.pending.clear();
      this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
