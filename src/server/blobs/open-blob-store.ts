/**
 * The blob store the configuration names: the filesystem under the data directory, or S3-compatible storage. The
 * AWS SDK is loaded only when S3 is configured: a one-node server never pays for it.
 */
import { join } from 'node:path';
import type { ServerConfig } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { FileSystemBlobStore } from './fs-blob-store.js';

export async function openBlobStore(config: ServerConfig): Promise<BlobStore> {
  if (!config.s3) return new FileSystemBlobStore(join(config.dataDir, 'blobs'));
  const { S3BlobStore } = await import('./s3-blob-store.js');
  return new S3BlobStore(config.s3);
}
