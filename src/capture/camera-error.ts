/** Why the camera could not be used. The widget maps each code to a localized screen with a way out. */
export type CameraErrorCode =
  | 'CAMERA_DENIED'
  | 'CAMERA_NOT_FOUND'
  | 'CAMERA_IN_USE'
  | 'CAMERA_OVERCONSTRAINED'
  | 'INSECURE_CONTEXT'
  | 'CAMERA_UNSUPPORTED'
  | 'CAMERA_ABORTED';

export class CameraError extends Error {
  override readonly name = 'CameraError';
  constructor(
    readonly code: CameraErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Maps what getUserMedia throws (DOMException names per the Media Capture spec) to our codes. */
export function toCameraError(err: unknown): CameraError {
  if (err instanceof CameraError) return err;
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new CameraError('CAMERA_DENIED', 'Camera access was denied', { cause: err });
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return new CameraError('CAMERA_NOT_FOUND', 'No camera was found', { cause: err });
    case 'NotReadableError':
    case 'TrackStartError':
      return new CameraError('CAMERA_IN_USE', 'The camera is in use by another application', { cause: err });
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return new CameraError('CAMERA_OVERCONSTRAINED', 'No camera matches the requested settings', {
        cause: err,
      });
    case 'AbortError':
      return new CameraError('CAMERA_ABORTED', 'Starting the camera was interrupted', { cause: err });
    default:
      return new CameraError('CAMERA_UNSUPPORTED', 'The camera could not be started', { cause: err });
  }
}
