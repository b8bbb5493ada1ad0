import type { ApiErrorCode } from '../shared/error-codes.js';

/**
 * The one error type of the HTTP layer. Anything thrown that is not an ApiError is unexpected: the app's
 * onError logs it and answers 500 `INTERNAL_ERROR`. Body shape: `{"error": {"code", "message", "issues"?}}`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503,
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { error: { code: ApiErrorCode; message: string; issues?: unknown[] } } {
    return {
      error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) },
    };
  }
}
