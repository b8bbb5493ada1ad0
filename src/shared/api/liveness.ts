/**
 * Liveness (DESIGN.md §5), widget-facing (Bearer = workflow token). Challenge-response liveness, not a certified
 * presentation-attack detector: the server issues a random challenge, the widget guides the user and uploads frames
 * tagged with step and time, the server verifies the frames with its own face analysis. The widget only ever learns
 * "done", "try again" or "no attempts left": never a score or a reason.
 *
 *   POST /api/v1/session/liveness                          → LivenessChallengeResponse (a new challenge)
 *   POST /api/v1/session/liveness/{challengeId}/frames     multipart: `file` (JPEG ≤ 80 KB) + `meta` (LivenessFrameMeta JSON)
 *   POST /api/v1/session/liveness/{challengeId}/complete   LivenessCompleteRequest → LivenessCompleteResponse
 */
import { z } from 'zod';
import { LIVENESS_ACTIONS, LIVENESS_CHALLENGE_TTL_MS, LIVENESS_MAX_FRAMES } from '../liveness-limits.js';
import { Timestamp } from './common.js';

export {
  LIVENESS_ACTIONS,
  LIVENESS_CHALLENGE_TTL_MS,
  LIVENESS_FRAME_MAX_BYTES,
  LIVENESS_MAX_FAILED_CHALLENGES,
  LIVENESS_MAX_FRAMES,
} from '../liveness-limits.js';

export const LivenessAction = z.enum(LIVENESS_ACTIONS);
export type LivenessAction = z.infer<typeof LivenessAction>;

/** Where the widget is with liveness: `REQUIRED` (not done yet), `DONE`, `EXHAUSTED` (no attempts left; go on). */
export const LIVENESS_STATUSES = ['NOT_REQUIRED', 'REQUIRED', 'DONE', 'EXHAUSTED'] as const;
export const LivenessStatus = z.enum(LIVENESS_STATUSES);
export type LivenessStatus = z.infer<typeof LivenessStatus>;

export const LivenessChallenge = z
  .object({
    id: z.string(),
    mode: z.enum(['passive', 'passive_active']),
    /** Echoed in every frame's meta and in complete; single use. */
    nonce: z.string(),
    /** `passive_active`: 2–4 actions, in the order the user must do them. `passive`: empty (a frame burst). */
    actions: z.array(LivenessAction),
    /** `passive`: how many frames the burst should have. */
    burstFrames: z.number().int().positive().optional(),
    issuedAt: Timestamp,
    expiresAt: Timestamp,
    attemptsLeft: z.number().int().min(0),
    links: z.object({ frames: z.url(), complete: z.url() }),
  })
  .meta({ id: 'LivenessChallenge' });
export type LivenessChallenge = z.infer<typeof LivenessChallenge>;

export const LivenessChallengeResponse = z
  .object({ challenge: LivenessChallenge })
  .meta({ id: 'LivenessChallengeResponse' });
export type LivenessChallengeResponse = z.infer<typeof LivenessChallengeResponse>;

/**
 * Tags of one uploaded frame. `kind`: `neutral` (looking straight at the camera: before the first action and
 * between actions), `peak` (the moment an action was detected at its strongest; `step` = index into `actions`),
 * `burst` (passive mode). `capturedAtMs`: milliseconds since the widget showed the challenge (monotonic clock).
 */
export const LivenessFrameMeta = z
  .strictObject({
    nonce: z.string().min(1).max(128),
    /** 0-based upload order; unique per challenge. */
    index: z
      .number()
      .int()
      .min(0)
      .max(LIVENESS_MAX_FRAMES - 1),
    kind: z.enum(['neutral', 'peak', 'burst']),
    /** Index into `actions` for `peak` frames; for `neutral` frames, the step that comes next (0 = before the first). */
    step: z.number().int().min(0).max(8),
    action: LivenessAction.optional(),
    capturedAtMs: z.number().nonnegative().max(LIVENESS_CHALLENGE_TTL_MS),
  })
  .meta({ id: 'LivenessFrameMeta' });
export type LivenessFrameMeta = z.infer<typeof LivenessFrameMeta>;

export const LivenessFrameResponse = z
  .object({ frame: z.object({ index: z.number().int(), sha256: z.string(), bytes: z.number().int() }) })
  .meta({ id: 'LivenessFrameResponse' });
export type LivenessFrameResponse = z.infer<typeof LivenessFrameResponse>;

export const LivenessCompleteRequest = z
  .strictObject({ nonce: z.string().min(1).max(128) })
  .meta({ id: 'LivenessCompleteRequest' });
export type LivenessCompleteRequest = z.infer<typeof LivenessCompleteRequest>;

/** `DONE`: go on. `RETRY`: ask for a new challenge (`attemptsLeft` > 0). `EXHAUSTED`: no attempts left; go on. */
export const LivenessCompleteResponse = z
  .object({
    liveness: z.object({
      status: z.enum(['DONE', 'RETRY', 'EXHAUSTED']),
      attemptsLeft: z.number().int().min(0),
    }),
  })
  .meta({ id: 'LivenessCompleteResponse' });
export type LivenessCompleteResponse = z.infer<typeof LivenessCompleteResponse>;
