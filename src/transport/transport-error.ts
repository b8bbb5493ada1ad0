import type { ApiErrorCode } from '../shared/error-codes.js';

/**
 * Why a call to the backend failed: an API error code from the server's `{error:{code}}` body, or one of ours
 * when no usable answer arrived.
 */
export type TransportErrorCode =
  | ApiErrorCode
  /** No answer: offline, DNS, connection reset, CORS. */
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'ABORTED'
  /** An answer that does not match the shared schema. */
  | 'INVALID_RESPONSE'
  /** An error status without a parsable error body. */
  | 'HTTP_ERROR';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    readonly details: { status?: number; issues?: unknown[]; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
  }

  get status(): number | undefined {
    return this.details.status;
  }

  /** Worth trying again unchanged: no answer, a timeout, a 5xx or a 429. 4xx answers will not change. */
  get retriable(): boolean {
    if (this.code === 'NETWORK_ERROR' || this.code === 'TIMEOUT') return true;
    const status = this.details.status ?? 0;
    return status >= 500 || status === 429;
  }
}
