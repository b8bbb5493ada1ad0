/** Small builders for route definitions: JSON bodies and the error responses every route can give. */
import type { ZodType } from 'zod';
import { ApiErrorBody } from '../../shared/api/index.js';

export function jsonBody<T extends ZodType>(schema: T, description = 'JSON body') {
  return { content: { 'application/json': { schema } }, required: true, description } as const;
}

export function jsonResponse<T extends ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description } as const;
}

const errorContent = { content: { 'application/json': { schema: ApiErrorBody } } } as const;

/** Error responses by status; pick the ones a route can return. */
export function errorResponses<S extends 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422>(...statuses: S[]) {
  const descriptions: Record<number, string> = {
    400: 'Malformed request or unknown field',
    401: 'Missing, unknown or expired token',
    403: 'Not allowed for this client or token',
    404: 'Not found (or not yours)',
    409: 'Conflicts with the execution state',
    413: 'Body too large',
    415: 'Unsupported media type',
    422: 'Validation failed',
  };
  return Object.fromEntries(
    statuses.map((status) => [status, { ...errorContent, description: descriptions[status] }]),
  );
}
