/** Maps everything thrown to the one error body `{"error": {"code","message","issues"?}}`. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import type { ZodError } from 'zod';
import type { ApiErrorCode } from '../../shared/error-codes.js';
import { ApiError } from '../errors.js';

/** zod issues → client-facing issues (path as dotted string; no input values, they may be PII). */
export function apiErrorFromZod(error: ZodError, where: string): ApiError {
  const unknown = error.issues.filter((issue) => issue.code === 'unrecognized_keys');
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
    ...(issue.code === 'unrecognized_keys' ? { keys: issue.keys } : {}),
  }));
  if (unknown.length > 0) return new ApiError(400, 'UNKNOWN_FIELD', `Unknown field in ${where}`, issues);
  return new ApiError(422, 'VALIDATION_FAILED', `Invalid ${where}`, issues);
}

export function errorResponse(error: unknown, c: Context, logger: Logger): Response {
  if (error instanceof ApiError) {
    if (error.status === 401) c.header('WWW-Authenticate', 'Bearer');
    if (error.status === 429 || error.status === 503) {
      const retry = (error.issues?.[0] as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      c.header('Retry-After', String(retry ?? 1));
    }
    return c.json(error.toJSON(), error.status);
  }
  if (error instanceof HTTPException) {
    // hono's own 4xx (e.g. malformed JSON in the validator) keep their status with our body shape.
    const status = error.status;
    const code: ApiErrorCode =
      status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status === 404
            ? 'NOT_FOUND'
            : 'BAD_REQUEST';
    if (status < 500) return c.json({ error: { code, message: error.message || 'Bad request' } }, status);
  }
  logger.error({ err: error, requestId: c.get('requestId') }, 'unexpected error');
  return c.json({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } }, 500);
}
