/**
 * Liveness challenges of one execution (issue #6): issuance, frame uploads, completion, and the status the session
 * and the pipeline read. A challenge is used once; every challenge that ends without passing (failed, expired
 * unused, abandoned for a newer one) is a failed attempt, and after `LIVENESS_MAX_FAILED_CHALLENGES` of them no new
 * challenge is issued. The widget only learns DONE / RETRY / EXHAUSTED; labels and numbers stay on the server.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import {
  LIVENESS_CHALLENGE_TTL_MS,
  LIVENESS_FRAME_MAX_BYTES,
  LIVENESS_MAX_FAILED_CHALLENGES,
  type LivenessAction,
  type LivenessChallenge,
  type LivenessCompleteRequest,
  type LivenessCompleteResponse,
  LivenessFrameMeta,
  type LivenessFrameResponse,
  type LivenessStatus,
} from '../../shared/api/liveness.js';
import type { ServerContext } from '../context.js';
import type { LivenessChallengesTable, LivenessFramesTable } from '../db/schema.js';
import { ApiError } from '../errors.js';
import {
  assertExecutionActive,
  type ExecutionRow,
  whileExecutionActive,
} from '../executions/execution-row.js';
import { PublicUrls } from '../executions/urls.js';
import { FaceAnalyzerError, prefetchFaceAnalysis } from '../faces/face-analysis.js';
import { apiErrorFromZod } from '../http/errors.js';
import { validateImage } from '../media/validate-image.js';
import { AUTHENTICATION_DEFINITION_KEY } from '../pipeline/requirements.js';
import type { LivenessEvidence } from '../pipeline/types.js';
import type { LivenessLabel } from './liveness-labels.js';
import type { LivenessOptions } from './liveness-options.js';
import { type SequenceFrame, verifyLivenessSequence } from './verify-sequence.js';

export type ChallengeRow = Selectable<LivenessChallengesTable>;
type ChallengeStatus = 'ISSUED' | 'VERIFYING' | 'PASSED' | 'FAILED' | 'EXPIRED' | 'ABANDONED';
const FAILED_STATUSES: ChallengeStatus[] = ['FAILED', 'EXPIRED', 'ABANDONED'];

/**
 * Both workflows have a liveness step (the seed lists it for 10011 too): 10011 runs the passive burst unless the
 * account chose `passive_active`; 10013 runs the account's `liveness.mode` (passive by default); the KYC API's
 * authentication (10090) runs its session's mode.
 */
export function livenessRequired(row: Pick<ExecutionRow, 'definition_key'>): boolean {
  return (
    row.definition_key === 10011 ||
    row.definition_key === 10013 ||
    row.definition_key === AUTHENTICATION_DEFINITION_KEY
  );
}

/** Marks open challenges past their expiry as EXPIRED (a failed attempt); one winner if requests race. */
async function expireOverdue(ctx: ServerContext, executionId: string): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await ctx.db
    .updateTable('liveness_challenges')
    .set({ status: 'EXPIRED', label: 'CHALLENGE_EXPIRED', completed_at: now })
    .where('execution_id', '=', executionId)
    .where('status', '=', 'ISSUED')
    .where('expires_at', '<=', now)
    .execute();
}

async function challengesOf(ctx: ServerContext, executionId: string): Promise<ChallengeRow[]> {
  return ctx.db
    .selectFrom('liveness_challenges')
    .selectAll()
    .where('execution_id', '=', executionId)
    .orderBy('issued_at')
    .orderBy('id')
    .execute();
}

function summarize(challenges: readonly ChallengeRow[]): { passed: boolean; failed: number } {
  return {
    passed: challenges.some((c) => c.status === 'PASSED'),
    failed: challenges.filter((c) => FAILED_STATUSES.includes(c.status as ChallengeStatus)).length,
  };
}

function statusOf(summary: { passed: boolean; failed: number }): Exclude<LivenessStatus, 'NOT_REQUIRED'> {
  if (summary.passed) return 'DONE';
  return summary.failed >= LIVENESS_MAX_FAILED_CHALLENGES ? 'EXHAUSTED' : 'REQUIRED';
}

/** `NOT_REQUIRED`, `REQUIRED` (not done yet), `DONE` or `EXHAUSTED`, as the session reports it. */
export async function livenessStatus(ctx: ServerContext, row: ExecutionRow): Promise<LivenessStatus> {
  if (!livenessRequired(row)) return 'NOT_REQUIRED';
  await expireOverdue(ctx, row.id);
  return statusOf(summarize(await challengesOf(ctx, row.id)));
}

/** Distinct actions in random order, a random count in [min, max]. */
export function drawActions(options: LivenessOptions): LivenessAction[] {
  const random = options.randomInt ?? randomInt;
  const pool = [...options.actions];
  const count = options.minActions + random(options.maxActions - options.minActions + 1);
  const drawn: LivenessAction[] = [];
  while (drawn.length < count && pool.length > 0) {
    drawn.push(pool.splice(random(pool.length), 1)[0] as LivenessAction);
  }
  return drawn;
}

function challengeView(ctx: ServerContext, challenge: ChallengeRow, attemptsLeft: number): LivenessChallenge {
  const urls = new PublicUrls(ctx.config);
  return {
    id: challenge.id,
    mode: challenge.mode as LivenessChallenge['mode'],
    nonce: challenge.nonce,
    actions: JSON.parse(challenge.actions) as LivenessAction[],
    ...(challenge.burst_frames ? { burstFrames: challenge.burst_frames } : {}),
    issuedAt: challenge.issued_at,
    expiresAt: challenge.expires_at,
    attemptsLeft,
    links: {
      frames: urls.session(`/liveness/${challenge.id}/frames`),
      complete: urls.session(`/liveness/${challenge.id}/complete`),
    },
  };
}

/**
 * A new challenge for the execution's liveness mode. An open challenge is abandoned (and counts as a failed
 * attempt): otherwise a client could draw challenges until it got one it had prepared frames for.
 *
 * Errors: 409 `LIVENESS_NOT_REQUIRED` (not a 10013 execution), 409 `CONFLICT` (already done), 409
 * `LIVENESS_ATTEMPTS_EXHAUSTED`, 409 `EXECUTION_NOT_ACTIVE`.
 */
export async function issueLivenessChallenge(
  ctx: ServerContext,
  row: ExecutionRow,
  options: LivenessOptions,
): Promise<LivenessChallenge> {
  assertExecutionActive(row);
  if (!livenessRequired(row)) {
    throw new ApiError(409, 'LIVENESS_NOT_REQUIRED', 'This verification has no liveness step');
  }
  await expireOverdue(ctx, row.id);
  const now = ctx.clock.now();
  await ctx.db
    .updateTable('liveness_challenges')
    .set({ status: 'ABANDONED', label: 'CHALLENGE_ABANDONED', completed_at: now.toISOString() })
    .where('execution_id', '=', row.id)
    .where('status', '=', 'ISSUED')
    .execute();
  const summary = summarize(await challengesOf(ctx, row.id));
  if (summary.passed) throw new ApiError(409, 'CONFLICT', 'Liveness is already done for this verification');
  if (summary.failed >= LIVENESS_MAX_FAILED_CHALLENGES) {
    throw new ApiError(409, 'LIVENESS_ATTEMPTS_EXHAUSTED', 'No liveness attempts left');
  }
  const mode = row.liveness_mode === 'passive_active' ? 'passive_active' : 'passive';
  const challenge: ChallengeRow = {
    id: randomUUID(),
    execution_id: row.id,
    mode,
    nonce: randomBytes(18).toString('base64url'),
    actions: JSON.stringify(mode === 'passive_active' ? drawActions(options) : []),
    burst_frames: mode === 'passive' ? options.burstFrames : null,
    status: 'ISSUED',
    issued_at: now.toISOString(),
    expires_at: new Date(now.getTime() + LIVENESS_CHALLENGE_TTL_MS).toISOString(),
    completed_at: null,
    label: null,
    measures: null,
  };
  await ctx.db.insertInto('liveness_challenges').values(challenge).execute();
  return challengeView(ctx, challenge, LIVENESS_MAX_FAILED_CHALLENGES - summary.failed);
}

/**
 * The token's own, still open challenge. Errors: 404 `NOT_FOUND` (no such challenge), 403 `FORBIDDEN` (another
 * execution's), 410 `CHALLENGE_EXPIRED` (past its expiry: marked EXPIRED, a failed attempt), 409
 * `CHALLENGE_ALREADY_USED` (completed, being completed, or abandoned).
 */
async function openChallenge(
  ctx: ServerContext,
  row: ExecutionRow,
  challengeId: string,
): Promise<ChallengeRow> {
  const challenge = await ctx.db
    .selectFrom('liveness_challenges')
    .selectAll()
    .where('id', '=', challengeId)
    .executeTakeFirst();
  if (!challenge) throw new ApiError(404, 'NOT_FOUND', 'No such liveness challenge');
  if (challenge.execution_id !== row.id) {
    throw new ApiError(403, 'FORBIDDEN', 'This challenge belongs to another workflow execution');
  }
  const expired = ctx.clock.now().getTime() >= Date.parse(challenge.expires_at);
  if (challenge.status === 'EXPIRED' || (challenge.status === 'ISSUED' && expired)) {
    await expireOverdue(ctx, row.id);
    throw new ApiError(410, 'CHALLENGE_EXPIRED', 'The liveness challenge has expired; request a new one');
  }
  if (challenge.status !== 'ISSUED') {
    throw new ApiError(409, 'CHALLENGE_ALREADY_USED', 'The liveness challenge was already used');
  }
  return challenge;
}

function parseMeta(metaText: string | undefined): LivenessFrameMeta {
  if (metaText === undefined) {
    throw new ApiError(422, 'VALIDATION_FAILED', 'Multipart field `meta` (JSON) is required', [
      { path: 'meta', code: 'required', message: 'required' },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(metaText);
  } catch (cause) {
    throw new ApiError(400, 'BAD_REQUEST', 'Field `meta` is not valid JSON', undefined, { cause });
  }
  const parsed = LivenessFrameMeta.safeParse(json);
  if (!parsed.success) throw apiErrorFromZod(parsed.error, 'meta');
  return parsed.data;
}

/** The tags must fit the challenge: the right kind for its mode, a step it has, the action of that step. */
function assertFitsChallenge(challenge: ChallengeRow, meta: LivenessFrameMeta): void {
  const actions = JSON.parse(challenge.actions) as LivenessAction[];
  const reject = (message: string) => {
    throw new ApiError(422, 'FRAME_REJECTED', message);
  };
  if (challenge.mode === 'passive') {
    if (meta.kind !== 'burst') reject('A passive challenge takes `burst` frames');
    return;
  }
  if (meta.kind === 'burst') reject('An active challenge takes `neutral` and `peak` frames');
  if (meta.kind === 'peak' && meta.step >= actions.length) reject('`step` is beyond the challenge’s actions');
  if (meta.kind === 'neutral' && meta.step > actions.length)
    reject('`step` is beyond the challenge’s actions');
  if (meta.action !== undefined && meta.action !== actions[meta.step]) {
    reject('`action` is not the action of this step');
  }
}

/**
 * Stores one frame (validated and stripped like a part upload, ≤ 80 KB) under `executions/<id>/liveness/`. A
 * retried upload of the same index with the same bytes answers as the first did; other bytes under a used index
 * are a 409 `CONFLICT`. Errors of one frame never touch the frames already stored.
 */
export async function storeLivenessFrame(
  ctx: ServerContext,
  row: ExecutionRow,
  challengeId: string,
  upload: { file: Buffer | undefined; meta: string | undefined },
): Promise<{ answer: LivenessFrameResponse; created: boolean }> {
  assertExecutionActive(row);
  const challenge = await openChallenge(ctx, row, challengeId);
  const meta = parseMeta(upload.meta);
  if (meta.nonce !== challenge.nonce)
    throw new ApiError(422, 'NONCE_MISMATCH', 'The nonce is not this challenge’s');
  assertFitsChallenge(challenge, meta);
  if (!upload.file) throw new ApiError(422, 'MISSING_FILE', 'Multipart field `file` is required');
  const image = await validateImage(upload.file, { maxBytes: LIVENESS_FRAME_MAX_BYTES });
  const answer: LivenessFrameResponse = {
    frame: { index: meta.index, sha256: image.sha256, bytes: image.bytes.length },
  };
  const existing = await ctx.db
    .selectFrom('liveness_frames')
    .select(['sha256'])
    .where('challenge_id', '=', challenge.id)
    .where('frame_index', '=', meta.index)
    .executeTakeFirst();
  if (existing) {
    if (existing.sha256 === image.sha256) return { answer, created: false };
    throw new ApiError(409, 'CONFLICT', `Frame index ${meta.index} is already used`);
  }
  const key = `executions/${row.id}/liveness/${challenge.id}/${meta.index}-${image.sha256.slice(0, 16)}`;
  await ctx.blobs.put(key, image.bytes);
  const frame: LivenessFramesTable = {
    challenge_id: challenge.id,
    frame_index: meta.index,
    execution_id: row.id,
    kind: meta.kind,
    step: meta.step,
    action: meta.action ?? null,
    captured_at_ms: meta.capturedAtMs,
    blob_key: key,
    mime: image.mime,
    bytes: image.bytes.length,
    sha256: image.sha256,
    received_at: ctx.clock.now().toISOString(),
  };
  // Written only while the execution is open (issue #18): a frame that arrives after finalize is refused.
  const inserted = await whileExecutionActive(ctx, row.id, (trx) =>
    trx
      .insertInto('liveness_frames')
      .values(frame)
      .onConflict((oc) => oc.columns(['challenge_id', 'frame_index']).doNothing())
      .executeTakeFirst(),
  ).catch(async (error: unknown) => {
    await ctx.blobs.delete(key);
    throw error;
  });
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
    // A concurrent upload took the index first.
    await ctx.blobs.delete(key);
    throw new ApiError(409, 'CONFLICT', `Frame index ${meta.index} is already used`);
  }
  // Analysed now, while the user is still busy with the next action: completion then reads it from the cache.
  prefetchFaceAnalysis(image.bytes);
  return { answer, created: true };
}

/** The stored selfie (SELFIE credential, FACE part) of an execution, if any. */
export async function selfieBytes(
  ctx: Pick<ServerContext, 'db' | 'blobs'>,
  executionId: string,
): Promise<Buffer | undefined> {
  const part = await ctx.db
    .selectFrom('parts')
    .innerJoin('credentials', 'credentials.id', 'parts.credential_id')
    .select(['parts.blob_key'])
    .where('parts.execution_id', '=', executionId)
    .where('credentials.category', '=', 'SELFIE')
    .where('parts.classifier', '=', 'FACE')
    .executeTakeFirst();
  return part ? await ctx.blobs.get(part.blob_key) : undefined;
}

async function framesOf(ctx: ServerContext, challengeId: string): Promise<LivenessFramesTable[]> {
  return ctx.db
    .selectFrom('liveness_frames')
    .selectAll()
    .where('challenge_id', '=', challengeId)
    .orderBy('frame_index')
    .execute();
}

function sequenceFrames(
  ctx: ServerContext,
  challenge: ChallengeRow,
  rows: LivenessFramesTable[],
): SequenceFrame[] {
  const issued = Date.parse(challenge.issued_at);
  return rows.map((f) => ({
    index: f.frame_index,
    kind: f.kind as SequenceFrame['kind'],
    step: f.step,
    capturedAtMs: Number(f.captured_at_ms),
    receivedAfterIssueMs: Date.parse(f.received_at) - issued,
    sha256: f.sha256,
    read: async () => {
      const bytes = await ctx.blobs.get(f.blob_key);
      if (!bytes) throw new ApiError(500, 'INTERNAL_ERROR', 'stored liveness frame is missing');
      return bytes;
    },
  }));
}

/**
 * Verifies the challenge's frames synchronously (a few seconds through the face queue), stores the verdict, label
 * and numbers on the challenge, and answers DONE / RETRY / EXHAUSTED. Errors: those of `openChallenge`, 422
 * `NONCE_MISMATCH`, 503 `SERVICE_UNAVAILABLE` when the face models cannot load (the challenge stays open).
 */
export async function completeLivenessChallenge(
  ctx: ServerContext,
  row: ExecutionRow,
  challengeId: string,
  body: LivenessCompleteRequest,
  options: LivenessOptions,
): Promise<LivenessCompleteResponse> {
  assertExecutionActive(row);
  const challenge = await openChallenge(ctx, row, challengeId);
  if (body.nonce !== challenge.nonce)
    throw new ApiError(422, 'NONCE_MISMATCH', 'The nonce is not this challenge’s');
  // Claim the challenge: of two racing completes, one verifies and the other is told it was used.
  const claimed = await ctx.db
    .updateTable('liveness_challenges')
    .set({ status: 'VERIFYING' })
    .where('id', '=', challenge.id)
    .where('status', '=', 'ISSUED')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) {
    throw new ApiError(409, 'CHALLENGE_ALREADY_USED', 'The liveness challenge was already used');
  }
  let verdict: Awaited<ReturnType<typeof verifyLivenessSequence>>;
  try {
    const frames = sequenceFrames(ctx, challenge, await framesOf(ctx, challenge.id));
    const selfie = await selfieBytes(ctx, row.id);
    verdict = await verifyLivenessSequence(
      {
        mode: challenge.mode as 'passive' | 'passive_active',
        actions: JSON.parse(challenge.actions) as LivenessAction[],
        burstFrames: challenge.burst_frames ?? options.burstFrames,
      },
      frames,
      { options, ...(selfie ? { selfie } : {}) },
    );
  } catch (error) {
    await ctx.db
      .updateTable('liveness_challenges')
      .set({ status: 'ISSUED' })
      .where('id', '=', challenge.id)
      .execute();
    if (error instanceof FaceAnalyzerError && error.code === 'FACE_MODELS_UNAVAILABLE') {
      throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'Face analysis is unavailable; try again', undefined, {
        cause: error,
      });
    }
    throw error;
  }
  // A verdict reached after finalize is not evidence: the challenge stays VERIFYING (never counted).
  await whileExecutionActive(ctx, row.id, (trx) =>
    trx
      .updateTable('liveness_challenges')
      .set({
        status: verdict.passed ? 'PASSED' : 'FAILED',
        label: verdict.label,
        measures: JSON.stringify(verdict.measures),
        completed_at: ctx.clock.now().toISOString(),
      })
      .where('id', '=', challenge.id)
      .execute(),
  );
  ctx.logger.info(
    { executionId: row.id, challengeId: challenge.id, label: verdict.label },
    'liveness verified',
  );
  const summary = summarize(await challengesOf(ctx, row.id));
  const attemptsLeft = Math.max(0, LIVENESS_MAX_FAILED_CHALLENGES - summary.failed);
  const status = statusOf(summary);
  return {
    liveness: {
      status: status === 'DONE' ? 'DONE' : status === 'EXHAUSTED' ? 'EXHAUSTED' : 'RETRY',
      attemptsLeft,
    },
  };
}

/**
 * What the pipeline needs: the status, the completed challenges (labels only) and the passed challenge's reference
 * frame (its first neutral or burst frame), read lazily. Undefined when the execution has no liveness step.
 */
export async function loadLivenessEvidence(
  ctx: ServerContext,
  row: Pick<ExecutionRow, 'id' | 'definition_key' | 'liveness_mode'>,
): Promise<LivenessEvidence | undefined> {
  if (!livenessRequired(row)) return undefined;
  await expireOverdue(ctx, row.id);
  const challenges = await challengesOf(ctx, row.id);
  const summary = summarize(challenges);
  const passed = challenges.find((c) => c.status === 'PASSED');
  const reference = passed
    ? (await framesOf(ctx, passed.id)).find((f) => f.kind === 'neutral' || f.kind === 'burst')
    : undefined;
  return {
    mode: row.liveness_mode === 'passive_active' ? 'passive_active' : 'passive',
    status: statusOf(summary),
    challenges: challenges
      .filter((c) => c.status !== 'ISSUED' && c.status !== 'VERIFYING')
      .map((c) => ({
        id: c.id,
        passed: c.status === 'PASSED',
        label: (c.label ?? 'LIVENESS_UNDETERMINED') as LivenessLabel,
        ...(c.completed_at ? { completedAt: c.completed_at } : {}),
      })),
    ...(reference
      ? {
          referenceFrame: {
            mime: reference.mime,
            read: async () => {
              const bytes = await ctx.blobs.get(reference.blob_key);
              if (!bytes) throw new ApiError(500, 'INTERNAL_ERROR', 'stored liveness frame is missing');
              return bytes;
            },
          },
        }
      : {}),
  };
}
