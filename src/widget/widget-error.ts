import type { CameraErrorCode } from '../capture/camera-error.js';
import { TransportError } from '../transport/transport-error.js';

/** Codes of `idv-error`: stable, documented, each with a localized screen. */
export type WidgetErrorCode =
  | CameraErrorCode
  | 'TOKEN_EXPIRED'
  | 'SESSION_EXPIRED'
  | 'INVALID_TOKEN'
  | 'EXECUTION_NOT_ACTIVE'
  | 'NETWORK_ERROR'
  | 'UNSUPPORTED_BROWSER'
  /** The server refused an image (too small, corrupt…): it is captured again. */
  | 'UPLOAD_REJECTED'
  | 'INTERNAL_ERROR';

/** Nothing the user can do on this page fixes these: the flow ends (and goes to the error URL when set). */
const FATAL: ReadonlySet<WidgetErrorCode> = new Set([
  'TOKEN_EXPIRED',
  'SESSION_EXPIRED',
  'INVALID_TOKEN',
  'EXECUTION_NOT_ACTIVE',
  'UNSUPPORTED_BROWSER',
]);

export class IdvError extends Error {
  override readonly name = 'IdvError';
  constructor(
    readonly code: WidgetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get recoverable(): boolean {
    return !FATAL.has(this.code);
  }
}

/** Maps a failed backend call to what the user is told. Messages carry no PII. */
export function idvErrorFrom(error: unknown): IdvError {
  if (error instanceof IdvError) return error;
  if (error instanceof TransportError) {
    switch (error.code) {
      case 'TOKEN_EXPIRED':
      case 'SESSION_EXPIRED':
      case 'EXECUTION_NOT_ACTIVE':
        return new IdvError(error.code, error.message, { cause: error });
      case 'INVALID_TOKEN':
      case 'UNAUTHORIZED':
      case 'FORBIDDEN':
        return new IdvError('INVALID_TOKEN', error.message, { cause: error });
      case 'UNSUPPORTED_MEDIA_TYPE':
      case 'IMAGE_TOO_LARGE':
      case 'IMAGE_DIMENSIONS_TOO_LARGE':
      case 'IMAGE_TOO_SMALL':
      case 'CORRUPT_IMAGE':
      case 'DECOMPRESSION_BOMB':
      case 'PAYLOAD_TOO_LARGE':
        return new IdvError('UPLOAD_REJECTED', error.message, { cause: error });
      default:
        if (error.retriable) return new IdvError('NETWORK_ERROR', error.message, { cause: error });
    }
  }
  return new IdvError('INTERNAL_ERROR', error instanceof Error ? error.message : 'Unexpected error', {
    cause: error,
  });
}

/** What the flow needs from the browser before it starts. The camera is checked later (upload stays possible). */
export function browserSupported(): boolean {
  return (
    typeof XMLHttpRequest !== 'undefined' &&
    typeof FormData !== 'undefined' &&
    typeof Blob !== 'undefined' &&
    typeof createImageBitmap === 'function' &&
    typeof Promise !== 'undefined'
  );
}
