/**
 * Where uploaded images live. Keys are `/`-separated relative paths (`executions/<id>/<credential>/<FRONT>`).
 * The filesystem store is the default; an S3-compatible store can implement the same interface.
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
  sweepTemporary?(olderThanMs: number): Promise<number>;
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
