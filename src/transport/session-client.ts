import type * as z from 'zod/mini';
import type { PartClassifier } from '../shared/api/common.js';
import type {
  LivenessChallenge,
  LivenessCompleteRequest,
  LivenessCompleteResponse,
  LivenessFrameMeta,
  LivenessFrameResponse,
} from '../shared/api/liveness.js';
import type {
  CaptureMetadataRequest,
  ConsentRequest,
  ConsentResponse,
  DocumentSelectionRequest,
  DocumentSelectionResponse,
  FinalizeResponse,
  SessionResponse,
  UploadedPart,
} from '../shared/api/session.js';
import { DEFAULT_RETRY_POLICY, type RetryHooks, type RetryPolicy, withRetries } from './backoff.js';
import { type HttpExchangeRequest, httpExchange } from './http-exchange.js';
import * as schemas from './session-schemas.js';
import { TransportError } from './transport-error.js';

export interface SessionClientOptions {
  /** The workflow token, sent as `Authorization: Bearer …`. */
  token: string;
  /** Backend origin (or base URL); `GET {apiBase}/api/v1/session` is the only URL we build ourselves. */
  apiBase: string;
  retry?: RetryPolicy;
}

export type PartLink = SessionResponse['links']['parts'][number];

export interface PartUploadOptions {
  /** Same key for every retry of the same image: the server replays its first answer. */
  idempotencyKey: string;
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  onWait?: RetryHooks['onWait'];
}

/**
 * Typed client of the widget-facing API. Reads the session first and follows its links from then on; every answer
 * is parsed with the shared API schemas (their `zod/mini` twins in `session-schemas.ts`, kept identical by a test),
 * every failure is a {@link TransportError}.
 *
 * @example
 * const client = new SessionClient({ token, apiBase: location.origin });
 * const session = await client.loadSession();
 * await client.giveConsent(true);
 */
export class SessionClient {
  private current: SessionResponse | undefined;

  constructor(private readonly options: SessionClientOptions) {}

  get session(): SessionResponse | undefined {
    return this.current;
  }

  async loadSession(signal?: AbortSignal): Promise<SessionResponse> {
    const url = new URL('/api/v1/session', this.options.apiBase).href;
    this.current = await this.json(
      'GET',
      this.current?.links.session ?? url,
      schemas.SessionResponse,
      undefined,
      {
        signal,
      },
    );
    return this.current;
  }

  async giveConsent(body: ConsentRequest): Promise<ConsentResponse> {
    return this.json('POST', this.links().consent, schemas.ConsentResponse, body);
  }

  async chooseDocument(body: DocumentSelectionRequest): Promise<DocumentSelectionResponse> {
    return this.json('PUT', this.links().document, schemas.DocumentSelectionResponse, body);
  }

  async sendCaptureMetadata(body: CaptureMetadataRequest): Promise<void> {
    await this.json('POST', this.links().captureMetadata, schemas.CaptureMetadataResponse, body);
  }

  async finalize(): Promise<FinalizeResponse> {
    return this.json('PUT', this.links().finalize, schemas.FinalizeResponse);
  }

  /** The upload link of a part, from the session. */
  partLink(classifier: PartClassifier, credentialId?: string): PartLink | undefined {
    return this.links().parts.find(
      (link) =>
        link.classifier === classifier && (credentialId === undefined || link.credentialId === credentialId),
    );
  }

  /** Uploads one image as multipart field `file` (PUT: create or replace), retrying network errors and 5xx. */
  async uploadPart(link: PartLink, image: Blob, options: PartUploadOptions): Promise<UploadedPart> {
    const answer = await withRetries(
      () => {
        const form = new FormData();
        form.append('file', image, image.type === 'image/png' ? 'image.png' : 'image.jpg');
        return this.exchange(
          {
            method: 'PUT',
            url: link.href,
            headers: { 'Idempotency-Key': options.idempotencyKey },
            body: form,
            onUploadProgress: options.onProgress,
            signal: options.signal,
            timeoutMs: 120_000,
          },
          schemas.PartUploadResponse,
        );
      },
      this.options.retry ?? DEFAULT_RETRY_POLICY,
      { signal: options.signal, onWait: options.onWait },
    );
    return answer.part;
  }

  /**
   * Asks for a new liveness challenge (each "try again" asks for a fresh one). Fails with
   * `LIVENESS_ATTEMPTS_EXHAUSTED` or `LIVENESS_NOT_REQUIRED` when there is nothing to do.
   */
  async requestLivenessChallenge(signal?: AbortSignal): Promise<LivenessChallenge> {
    const href = this.links().liveness;
    if (!href) throw new TransportError('LIVENESS_NOT_REQUIRED', 'This session has no liveness step');
    const answer = await this.json('POST', href, schemas.LivenessChallengeResponse, undefined, { signal });
    return answer.challenge;
  }

  /**
   * Uploads one liveness frame (multipart `file` + `meta` JSON), retrying network errors and 5xx like part uploads.
   * `link` is the challenge's `links.frames`; the frame index in `meta` makes a retried upload harmless.
   */
  async uploadLivenessFrame(
    link: string,
    image: Blob,
    meta: LivenessFrameMeta,
    signal?: AbortSignal,
  ): Promise<LivenessFrameResponse['frame']> {
    const answer = await withRetries(
      () => {
        const form = new FormData();
        form.append('file', image, `frame-${meta.index}.jpg`);
        form.append('meta', JSON.stringify(meta));
        return this.exchange(
          { method: 'POST', url: link, body: form, signal, timeoutMs: 30_000 },
          schemas.LivenessFrameResponse,
        );
      },
      this.options.retry ?? DEFAULT_RETRY_POLICY,
      { signal },
    );
    return answer.frame;
  }

  /** Ends a challenge; the server answers DONE, RETRY (ask for a new challenge) or EXHAUSTED. */
  async completeLiveness(
    link: string,
    body: LivenessCompleteRequest,
    signal?: AbortSignal,
  ): Promise<LivenessCompleteResponse['liveness']> {
    const answer = await this.json('POST', link, schemas.LivenessCompleteResponse, body, { signal });
    return answer.liveness;
  }

  private links(): SessionResponse['links'] {
    if (!this.current) throw new TransportError('BAD_REQUEST', 'Load the session before using its links');
    return this.current.links;
  }

  private json<S extends z.ZodMiniType>(
    method: HttpExchangeRequest['method'],
    url: string,
    schema: S,
    body?: unknown,
    hooks: RetryHooks = {},
  ): Promise<z.infer<S>> {
    return withRetries(
      () =>
        this.exchange(
          {
            method,
            url,
            headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: hooks.signal,
          },
          schema,
        ),
      this.options.retry ?? DEFAULT_RETRY_POLICY,
      hooks,
    );
  }

  private async exchange<S extends z.ZodMiniType>(
    request: HttpExchangeRequest,
    schema: S,
  ): Promise<z.infer<S>> {
    const answer = await httpExchange({
      ...request,
      headers: {
        Accept: 'application/json',
        Authorization: `Bearer ${this.options.token}`,
        ...request.headers,
      },
    });
    let parsed: unknown;
    try {
      parsed = answer.text ? JSON.parse(answer.text) : undefined;
    } catch (cause) {
      if (answer.status >= 200 && answer.status < 300) {
        throw new TransportError('INVALID_RESPONSE', 'The server answered with malformed JSON', { cause });
      }
    }
    if (answer.status < 200 || answer.status >= 300) {
      const error = schemas.ApiErrorBody.safeParse(parsed);
      if (error.success) {
        throw new TransportError(error.data.error.code, error.data.error.message, {
          status: answer.status,
          issues: error.data.error.issues,
        });
      }
      throw new TransportError('HTTP_ERROR', `The server answered ${answer.status}`, {
        status: answer.status,
      });
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      throw new TransportError('INVALID_RESPONSE', 'The server answer does not match the API schema', {
        status: answer.status,
        cause: result.error,
      });
    }
    return result.data;
  }
}
