/**
 * BlobStore on S3-compatible object storage (AWS S3, MinIO, Ceph RGW, …) through `@aws-sdk/client-s3`, for
 * several stateless server nodes sharing one store.
 *
 * A write goes to a temporary key under `tmp/` first; only when the stored object's size and checksum match what
 * was sent is it copied to its final key (server-side) and the temporary object removed. A reader of the final key
 * therefore never sees a partial or corrupt object, and a node that dies mid-write leaves only a `tmp/` object,
 * which `sweepTemporary` (or a bucket lifecycle rule on `tmp/`) removes. Deleting an execution removes every object
 * under its prefix and any temporary object of it.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { assertSafeBlobKey, type BlobStore } from './blob-store.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Custom endpoint (MinIO, a local S3 server); unset: AWS for the region. */
  endpoint?: string;
  region: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most self-hosted S3 servers need. */
  forcePathStyle: boolean;
  /** Static credentials; unset: the SDK's default chain (AWS_* env, shared config, instance or task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Key prefix inside the bucket, so several deployments may share one bucket (`idv/`); default none. */
  keyPrefix?: string;
  /** Per-request timeout, so a readiness probe or an upload does not hang on a dead store (default 15 s). */
  requestTimeoutMs?: number;
}

export class S3BlobStoreError extends Error {
  override readonly name = 'S3BlobStoreError';
  readonly code = 'BLOB_WRITE_UNVERIFIED';
}

const TEMP_PREFIX = 'tmp/';
/** DeleteObjects takes at most 1000 keys per call. */
const DELETE_BATCH = 1000;

export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly keyPrefix: string;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.keyPrefix = options.keyPrefix ?? '';
    const timeout = options.requestTimeoutMs ?? 15_000;
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: 3,
      requestHandler: { connectionTimeout: Math.min(5_000, timeout), requestTimeout: timeout },
    });
  }

  private objectKey(key: string): string {
    assertSafeBlobKey(key);
    return `${this.keyPrefix}${key}`;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const finalKey = this.objectKey(key);
    const tempKey = `${this.keyPrefix}${TEMP_PREFIX}${key}.${randomBytes(6).toString('hex')}`;
    const md5 = createHash('md5').update(bytes).digest('base64');
    try {
      // Content-MD5 makes the store refuse a body that arrived damaged; the head check below confirms the size.
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: tempKey, Body: bytes, ContentMD5: md5 }),
      );
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: tempKey }));
      if (head.ContentLength !== bytes.byteLength) {
        throw new S3BlobStoreError('stored object size differs from the bytes sent');
      }
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: finalKey,
          CopySource: `${this.bucket}/${encodeURIComponent(tempKey).replaceAll('%2F', '/')}`,
        }),
      );
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tempKey })).catch(() => {});
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      if (!object.Body) return Buffer.alloc(0);
      return Buffer.from(await object.Body.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 deletes are idempotent: deleting a missing key succeeds.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    const trimmed = prefix.replace(/\/+$/, '');
    assertSafeBlobKey(trimmed);
    for (const scope of [`${this.keyPrefix}${trimmed}/`, `${this.keyPrefix}${TEMP_PREFIX}${trimmed}/`]) {
      for await (const keys of this.listKeys(scope)) await this.deleteKeys(keys);
    }
  }

  /** Removes temporary objects older than `olderThanMs` (writes that died half-way); returns how many. */
  async sweepTemporary(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for await (const page of this.listObjects(`${this.keyPrefix}${TEMP_PREFIX}`)) {
      const old = page
        .filter((o) => o.lastModified !== undefined && now - o.lastModified.getTime() >= olderThanMs)
        .map((o) => o.key);
      await this.deleteKeys(old);
      removed += old.length;
    }
    return removed;
  }

  /** Readiness: the bucket answers with our credentials. */
  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  close(): void {
    this.client.destroy();
  }

  private async *listObjects(prefix: string): AsyncGenerator<Array<{ key: string; lastModified?: Date }>> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      yield (page.Contents ?? [])
        .filter((o) => o.Key !== undefined)
        .map((o) => ({ key: o.Key as string, ...(o.LastModified ? { lastModified: o.LastModified } : {}) }));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async *listKeys(prefix: string): AsyncGenerator<string[]> {
    for await (const page of this.listObjects(prefix)) yield page.map((o) => o.key);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (result.Errors?.length) {
        throw new Error(`object store refused to delete ${result.Errors.length} objects`);
      }
    }
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
