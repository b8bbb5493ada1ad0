/**
 * Where uploaded images live. Keys are `/`-separated relative paths (`executions/<id>/<credential>/<FRONT>`).
 * The filesystem store is the default (one node); the S3 store (`s3-blob-store.ts`) serves several nodes. Both
 * pass the same contract tests (`test/node/server/blob-store-contract.test.ts`).
 */
export interface BlobStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** undefined when the key does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
  /** Deletes every blob whose key starts with `prefix` (used by PII deletion). */
  deletePrefix(prefix: string): Promise<void>;
  /** Throws when the store cannot be written (readiness probe). */
  check(): Promise<void>;
  /** Removes leftovers of writes that died half-way, older than `olderThanMs` (at start); returns how many. */
  sweepTemporary?(olderThanMs: number, now?: number): Promise<number>;
  /** Releases connections (S3 client sockets); the filesystem store has none. */
  close?(): void;
}

export class BlobKeyError extends Error {
  override readonly name = 'BlobKeyError';
  readonly code = 'INVALID_BLOB_KEY';
}

/** Keys come from ids we generate, but a bad key must never escape the store's root. */
export function assertSafeBlobKey(key: string): void {
  if (
    !/^[A-Za-z0-9_\-./]+$/.test(key) ||
    key.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')
  ) {
    throw new BlobKeyError(`invalid blob key`);
  }
}
