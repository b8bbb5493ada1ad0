import type { PartClassifier } from '../shared/api/common.js';
import type { UploadedPart } from '../shared/api/session.js';
import type { PartLink, SessionClient } from './session-client.js';
import { TransportError } from './transport-error.js';

export type PartUploadStatus =
  /** Sending bytes (or about to). */
  | 'uploading'
  /** The browser is offline: waiting for the `online` event, the image is kept. */
  | 'waiting-offline'
  /** A network error or 5xx: waiting out a backoff delay before the next attempt. */
  | 'retrying'
  /** The server stored it. */
  | 'acknowledged'
  /** Retries are exhausted; {@link PartUploadQueue.retryFailed} starts again with the same image. */
  | 'failed'
  /** The server refused the image (4xx): it must be captured again. */
  | 'rejected';

export interface PartUpload {
  classifier: PartClassifier;
  credentialId: string;
  status: PartUploadStatus;
  loaded: number;
  total: number;
  /** Kept until acknowledged so nothing captured is lost to a network drop. */
  image: Blob | undefined;
  error?: TransportError;
  uploaded?: UploadedPart;
}

export interface PartUploadQueueOptions {
  client: SessionClient;
  onProgress?: (upload: PartUpload) => void;
  onChange?: (upload: PartUpload) => void;
}

function newIdempotencyKey(): string {
  return (
    globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
  );
}

/**
 * Background uploads of accepted captures: each starts as soon as it is enqueued, reports progress, retries with
 * backoff and waits out offline periods while holding on to the image. A retake replaces the queued image.
 */
export class PartUploadQueue {
  private readonly uploads = new Map<PartClassifier, PartUpload & { key: string; run: Promise<void> }>();
  private readonly controller = new AbortController();

  constructor(private readonly options: PartUploadQueueOptions) {}

  get(classifier: PartClassifier): PartUpload | undefined {
    return this.uploads.get(classifier);
  }

  all(): PartUpload[] {
    return [...this.uploads.values()];
  }

  enqueue(link: PartLink, image: Blob): void {
    const upload = {
      classifier: link.classifier,
      credentialId: link.credentialId,
      status: 'uploading' as PartUploadStatus,
      loaded: 0,
      total: image.size,
      image,
      key: newIdempotencyKey(),
      run: Promise.resolve(),
    };
    this.uploads.set(link.classifier, upload);
    upload.run = this.send(link, upload);
  }

  /** Starts the failed uploads again, with their kept images and idempotency keys. */
  retryFailed(): void {
    for (const upload of this.uploads.values()) {
      if (upload.status !== 'failed' || !upload.image) continue;
      const link = this.options.client.partLink(upload.classifier, upload.credentialId);
      if (link) upload.run = this.send(link, upload);
    }
  }

  /**
   * Resolves when every queued upload is acknowledged; rejects with the first failure or rejection.
   * Uploads still in flight are waited for.
   */
  async settled(): Promise<UploadedPart[]> {
    for (;;) {
      const runs = [...this.uploads.values()].map((upload) => upload.run);
      await Promise.all(runs);
      const pending = [...this.uploads.values()].filter((u) => u.status !== 'acknowledged');
      const broken = pending.find((u) => u.status === 'failed' || u.status === 'rejected');
      if (broken) throw broken.error ?? new TransportError('NETWORK_ERROR', 'Upload failed');
      if (pending.length === 0) return [...this.uploads.values()].map((u) => u.uploaded as UploadedPart);
    }
  }

  dispose(): void {
    this.controller.abort();
  }

  private async send(link: PartLink, upload: PartUpload & { key: string }): Promise<void> {
    const image = upload.image;
    if (!image) return;
    const current = () => this.uploads.get(upload.classifier) === upload;
    this.update(upload, { status: 'uploading', loaded: 0, error: undefined });
    try {
      const uploaded = await this.options.client.uploadPart(link, image, {
        idempotencyKey: upload.key,
        signal: this.controller.signal,
        onProgress: (loaded, total) => {
          if (!current()) return;
          upload.loaded = loaded;
          upload.total = total;
          this.options.onProgress?.(upload);
        },
        onWait: (reason, error) =>
          current() &&
          this.update(upload, { status: reason === 'offline' ? 'waiting-offline' : 'retrying', error }),
      });
      if (!current()) return;
      this.update(upload, { status: 'acknowledged', uploaded, image: undefined, loaded: upload.total });
    } catch (cause) {
      if (!current()) return;
      const error =
        cause instanceof TransportError
          ? cause
          : new TransportError('NETWORK_ERROR', 'Upload failed', { cause });
      if (error.code === 'ABORTED') return;
      this.update(upload, { status: error.retriable ? 'failed' : 'rejected', error });
    }
  }

  private update(upload: PartUpload, change: Partial<PartUpload>): void {
    Object.assign(upload, change);
    this.options.onChange?.(upload);
  }
}
