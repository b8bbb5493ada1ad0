/** The blob store the configuration names: the filesystem under the data directory, or S3-compatible storage. */
import { join } from 'node:path';
import type { ServerConfig } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { FileSystemBlobStore } from './fs-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

export function openBlobStore(config: ServerConfig): BlobStore {
  return config.s3 ? new S3BlobStore(config.s3) : new FileSystemBlobStore(join(config.dataDir, 'blobs'));
}
