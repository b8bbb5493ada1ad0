/**
 * Stable error codes of the HTTP API, shared by the server (which answers them) and the widget (which maps
 * them to localized text). Add codes here; never rename one that has shipped.
 */
export const API_ERROR_CODES = [
  // request shape
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'UNKNOWN_FIELD',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  // auth
  'UNAUTHORIZED',
  'INVALID_CLIENT',
  'INVALID_TOKEN',
  'TOKEN_EXPIRED',
  'SESSION_EXPIRED',
  'FORBIDDEN',
  'ORIGIN_NOT_ALLOWED',
  'UNSUPPORTED_GRANT_TYPE',
  'INSECURE_URL',
  // uploads
  'UNSUPPORTED_MEDIA_TYPE',
  'IMAGE_TOO_LARGE',
  'IMAGE_DIMENSIONS_TOO_LARGE',
  'IMAGE_TOO_SMALL',
  'CORRUPT_IMAGE',
  'DECOMPRESSION_BOMB',
  'MISSING_FILE',
  'INVALID_CLASSIFIER',
  // flow
  'EXECUTION_NOT_ACTIVE',
  'MISSING_PARTS',
  'CONSENT_REQUIRED',
  'DOCUMENT_TYPE_NOT_ALLOWED',
  'IDEMPOTENCY_KEY_MISMATCH',
  // liveness
  'LIVENESS_NOT_REQUIRED',
  'LIVENESS_ATTEMPTS_EXHAUSTED',
  'CHALLENGE_EXPIRED',
  'CHALLENGE_ALREADY_USED',
  'NONCE_MISMATCH',
  'FRAME_REJECTED',
  // server
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
