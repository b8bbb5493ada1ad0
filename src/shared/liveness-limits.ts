/**
 * Liveness constants shared by the server, the widget and the API schemas, without zod: the widget's liveness chunk
 * imports these and must not pull in the full schema library (see `api/liveness.ts` for the schemas).
 */

/**
 * What a `passive_active` challenge may ask for, as the user sees it. `turn-left` = the user turns their head to
 * their own left (in the unmirrored camera image the nose moves towards the image's right: yaw > 0).
 */
export const LIVENESS_ACTIONS = ['turn-left', 'turn-right', 'look-up', 'move-closer', 'blink'] as const;
export type LivenessAction = (typeof LIVENESS_ACTIONS)[number];

/** Frame limits the server enforces (and the widget compresses to). */
export const LIVENESS_FRAME_MAX_BYTES = 80 * 1024;
export const LIVENESS_MAX_FRAMES = 12;
/** A challenge lives at most this long (issued → completed). */
export const LIVENESS_CHALLENGE_TTL_MS = 3 * 60 * 1000;
/** Failed challenges per execution before liveness is REJECTED and no new challenge is issued. */
export const LIVENESS_MAX_FAILED_CHALLENGES = 5;
