/**
 * A real S3-protocol server for tests and the cluster suite: `s3rver` (pure JavaScript, stores objects in a temp
 * directory, speaks the S3 REST API the AWS SDK uses), on a free port, with one bucket created.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { S3BlobStoreOptions } from '../../src/server/blobs/s3-blob-store.js';

export interface TestS3Server {
  endpoint: string;
  port: number;
  /** Options for an S3BlobStore on the bucket (path-style, s3rver's fixed credentials). */
  storeOptions(overrides?: Partial<S3BlobStoreOptions>): S3BlobStoreOptions;
  /** The same as `IDV_S3_*` variables for an `idv-server` process. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** s3rver accepts this one key pair. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startS3Server(bucket = 'idv-test', port = 0): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'idv-s3-'));
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory });
  const { port: bound } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${bound}`;
  const admin = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  admin.destroy();
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port: bound,
    storeOptions: (overrides = {}) => ({
      bucket,
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: CREDENTIALS,
      requestTimeoutMs: 5_000,
      ...overrides,
    }),
    env: () => ({
      IDV_S3_BUCKET: bucket,
      IDV_S3_ENDPOINT: endpoint,
      IDV_S3_REGION: 'us-east-1',
      IDV_S3_FORCE_PATH_STYLE: '1',
      IDV_S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      IDV_S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    }),
    close() {
      closing ??= (async () => {
        await server.close();
        rmSync(directory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
