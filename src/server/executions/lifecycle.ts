/**
 * Execution lifecycle: workflow-token authentication with lifetime and inactivity expiry, the periodic expiry
 * sweep, processing after finalize, and customer callbacks.
 */
import type { Selectable, Transaction } from 'kysely';
import { webcrypto } from 'node:crypto';
import type {
  CallbackPayload,
  DecisionPart,
  ExecutionStatus,
  PartClassifier,
  WorkflowDefinitionKey,
} from '../../shared/api/index.js';
import { hashToken } from '../auth/secrets.js';
import type { ServerContext } from '../context.js';
import type { Database, WorkflowExecutionsTable } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { clientFaceMatchSettings } from '../faces/face-settings.js';
import { loadLivenessEvidence } from '../liveness/liveness-challenges.js';
import type { ExecutionInput, StoredPart } from '../pipeline/index.js';
import { executionIdOfDeviceToken } from './handoff.js';
import { credentialFromRow, INACTIVITY_TIMEOUT_MS, requiredClassifiers } from './model.js';
import { PublicUrls } from './urls.js';

export type ExecutionRow = Selectable<WorkflowExecutionsTable>;

export const JOB_PROCESS_EXECUTION = 'process-execution';

/**
 * `read`: the widget loads the session (does not start the inactivity clock).
 * `capture`: any other widget call; the first one starts the 15-minute sliding inactivity timeout.
 */
export type WidgetActivity = 'read' | 'capture';

/** Captures, consent and liveness are accepted only while the execution is open (INITIATED). */
export function assertExecutionActive(row: ExecutionRow): void {
  if (row.status !== 'INITIATED') {
    throw new ApiError(
      409,
      'EXECUTION_NOT_ACTIVE',
      `Execution is ${row.status}; no more changes are accepted`,
    );
  }
}

/**
 * Runs `write` in one transaction that first claims the execution row while it is still INITIATED (a guarded
 * UPDATE: PostgreSQL locks the row, SQLite takes its write lock), so no evidence row (part, frame, consent, document
 * choice) is written after finalize committed: finalize takes the same row in its own transaction. A write that
 * lost the race throws 409 `EXECUTION_NOT_ACTIVE` and nothing is written; the caller discards its blob.
 */
export async function whileExecutionActive<T>(
  ctx: ServerContext,
  executionId: string,
  write: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('workflow_executions')
      .set((eb) => ({ status: eb.ref('status') }))
      .where('id', '=', executionId)
      .where('status', '=', 'INITIATED')
      .where('wiped_out_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) {
      throw new ApiError(
        409,
        'EXECUTION_NOT_ACTIVE',
        'Execution is no longer active; no more changes are accepted',
      );
    }
    return write(trx);
  });
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The execution a workflow token opens: its own token from account creation, or a device token minted by a
 * cross-device handoff. Both share the execution's lifetime, so the same expiry rules apply. No side effects.
 */
export async function findExecutionByToken(
  ctx: ServerContext,
  token: string,
): Promise<ExecutionRow | undefined> {
  const tokenHash = hashToken(token);
  const own = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (own) return own;
  const executionId = await executionIdOfDeviceToken(ctx, tokenHash);
  if (!executionId) return undefined;
  return ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('id', '=', executionId)
    .where('wiped_out_at', 'is', null)
    .executeTakeFirst();
}

export async function authenticateWorkflowToken(
  ctx: ServerContext,
  authorization: string | undefined,
  activity: WidgetActivity,
): Promise<ExecutionRow> {
  const token = bearerToken(authorization);
  if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Bearer workflow token required');
  const row = await findExecutionByToken(ctx, token);
  if (!row) throw new ApiError(401, 'INVALID_TOKEN', 'Unknown workflow token');
  const now = ctx.clock.now();
  if (row.status === 'TOKEN_EXPIRED') throw new ApiError(401, 'TOKEN_EXPIRED', 'Workflow token expired');
  if (row.status === 'SESSION_EXPIRED')
    throw new ApiError(401, 'SESSION_EXPIRED', 'Session expired after inactivity');
  if (now.getTime() >= Date.parse(row.token_expires_at)) {
    if (row.status === 'INITIATED') await expireExecution(ctx, row, 'TOKEN_EXPIRED');
    throw new ApiError(401, 'TOKEN_EXPIRED', 'Workflow token expired');
  }
  if (row.status !== 'INITIATED') return row;
  if (row.last_activity_at && now.getTime() - Date.parse(row.last_activity_at) >= INACTIVITY_TIMEOUT_MS) {
    await expireExecution(ctx, row, 'SESSION_EXPIRED');
    throw new ApiError(401, 'SESSION_EXPIRED', 'Session expired after inactivity');
  }
  const nowIso = now.toISOString();
  const captureStarted = row.capture_started_at !== null || activity === 'capture';
  const changes: Partial<ExecutionRow> = {};
  if (!row.started_at) changes.started_at = nowIso;
  if (captureStarted) {
    changes.last_activity_at = nowIso;
    if (!row.capture_started_at) changes.capture_started_at = nowIso;
  }
  if (Object.keys(changes).length > 0) {
    await ctx.db.updateTable('workflow_executions').set(changes).where('id', '=', row.id).execute();
    Object.assign(row, changes);
  }
  return row;
}

/** Ends an INITIATED execution (one winner if several processes race) and calls the customer back. */
export async function expireExecution(
  ctx: ServerContext,
  row: ExecutionRow,
  status: 'TOKEN_EXPIRED' | 'SESSION_EXPIRED',
): Promise<boolean> {
  const result = await ctx.db
    .updateTable('workflow_executions')
    .set({ status, completed_at: ctx.clock.now().toISOString() })
    .where('id', '=', row.id)
    .where('status', '=', 'INITIATED')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await enqueueCallback(ctx, { ...row, status });
  ctx.logger.info({ executionId: row.id, status }, 'execution expired');
  return true;
}

/** Expires every active execution past its token lifetime or inactivity deadline; returns how many. */
export async function sweepExpiredExecutions(ctx: ServerContext): Promise<number> {
  const now = ctx.clock.now();
  const idleSince = new Date(now.getTime() - INACTIVITY_TIMEOUT_MS).toISOString();
  const due = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('status', '=', 'INITIATED')
    .where((eb) =>
      eb.or([eb('token_expires_at', '<=', now.toISOString()), eb('last_activity_at', '<=', idleSince)]),
    )
    .limit(500)
    .execute();
  let expired = 0;
  for (const row of due) {
    const status = now.getTime() >= Date.parse(row.token_expires_at) ? 'TOKEN_EXPIRED' : 'SESSION_EXPIRED';
    if (await expireExecution(ctx, row, status)) expired += 1;
  }
  return expired;
}

/** How long after finalize an execution without a decision counts as stranded (its job was never enqueued). */
const STRANDED_AFTER_MS = 60_000;

/**
 * Finalize commits the status before it enqueues the processing job; a crash in between would strand the
 * execution. The sweep re-enqueues such executions; the queue's dedupe key makes this a no-op when the job exists.
 */
export async function requeueStrandedExecutions(ctx: ServerContext): Promise<number> {
  const cutoff = new Date(ctx.clock.now().getTime() - STRANDED_AFTER_MS).toISOString();
  const stranded = await ctx.db
    .selectFrom('workflow_executions')
    .select(['id'])
    .where('status', '=', 'ACQUIRED')
    .where('decision', 'is', null)
    .where('acquired_at', '<=', cutoff)
    .limit(100)
    .execute();
  for (const { id } of stranded) {
    await ctx.queue.enqueue(
      JOB_PROCESS_EXECUTION,
      { executionId: id },
      { dedupeKey: processingDedupeKey(id) },
    );
  }
  return stranded.length;
}

function usedPart(part: { credential_id: string; classifier: string; sha256: string }): DecisionPart {
  return {
    credentialId: part.credential_id,
    classifier: part.classifier as PartClassifier,
    sha256: part.sha256,
  };
}

/** Hex sha256, hashed on the thread pool (WebCrypto) so a 15 MB blob does not hold the event loop. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

export function processingDedupeKey(executionId: string): string {
  return `process:${executionId}`;
}

export async function enqueueCallback(ctx: ServerContext, row: ExecutionRow): Promise<void> {
  if (!row.callback_url) return;
  const urls = new PublicUrls(ctx.config);
  const payload: CallbackPayload = {
    callbackSentAt: ctx.clock.now().toISOString(),
    ...(row.user_reference ? { userReference: row.user_reference } : {}),
    workflowExecution: {
      id: row.id,
      href: urls.execution(row.account_id, row.id),
      definitionKey: row.definition_key as WorkflowDefinitionKey,
      status: row.status as ExecutionStatus,
    },
    account: { id: row.account_id, href: urls.account(row.account_id) },
  };
  // One event per status change: enqueued twice (a job that ran twice), it is still one message, one webhook-id.
  await ctx.outbox.enqueue({
    clientId: row.client_id,
    url: row.callback_url,
    payload,
    eventKey: `${row.id}:${row.status}`,
  });
}

/** Job handler: runs the pipeline on the stored parts, stores the decision, calls back. Safe to run twice. */
export async function processExecution(ctx: ServerContext, executionId: string): Promise<void> {
  const row = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('id', '=', executionId)
    .executeTakeFirst();
  // A wiped execution has no evidence left to decide on.
  if (row?.status !== 'ACQUIRED' || row.wiped_out_at) return;
  const credentialRows = await ctx.db
    .selectFrom('credentials')
    .selectAll()
    .where('execution_id', '=', executionId)
    .orderBy('position')
    .execute();
  const credentials = credentialRows.map(credentialFromRow);
  const partRows = await ctx.db
    .selectFrom('parts')
    .selectAll()
    .where('execution_id', '=', executionId)
    .execute();
  const categoryOf = new Map(credentials.map((credential) => [credential.id, credential.category]));
  const parts: StoredPart[] = partRows.map((part) => ({
    credentialId: part.credential_id,
    credentialCategory: categoryOf.get(part.credential_id) ?? 'ID',
    classifier: part.classifier,
    mime: part.mime,
    width: part.width,
    height: part.height,
    sha256: part.sha256,
    read: async () => {
      const bytes = await ctx.blobs.get(part.blob_key);
      if (!bytes) throw new ApiError(500, 'INTERNAL_ERROR', 'stored part is missing');
      // The decision records this hash: bytes that do not match it must never be decided on.
      if ((await sha256Hex(bytes)) !== part.sha256)
        throw new ApiError(500, 'INTERNAL_ERROR', 'stored part changed');
      return bytes;
    },
  }));
  const input: ExecutionInput = {
    executionId,
    definitionKey: row.definition_key as 10011 | 10013,
    ...(row.document_type ? { documentType: row.document_type } : {}),
    ...(row.document_country ? { country: row.document_country } : {}),
    credentials: credentials.map((credential) => ({
      id: credential.id,
      category: credential.category,
      requiredClassifiers: requiredClassifiers(credential, row.document_type),
      allowedTypes: credential.allowedTypes,
      allowedCountries: credential.allowedCountries,
    })),
    parts,
    decidedAt: ctx.clock.now(),
    ...(row.minimum_age !== null ? { dataChecks: { minimumAge: row.minimum_age } } : {}),
  };
  const liveness = await loadLivenessEvidence(ctx, row);
  if (liveness) input.liveness = liveness;
  input.faceMatch = await clientFaceMatchSettings(ctx.db, row.client_id);
  // Loaded on first use: the pipeline pulls in image and face analysis that request handling never needs.
  const { pipelineCapabilities, runPipeline } = await import('../pipeline/index.js');
  const outcome = await runPipeline(input, pipelineCapabilities(ctx.config));
  const completedAt = ctx.clock.now().toISOString();
  const result = await ctx.db
    .updateTable('workflow_executions')
    .set({
      status: 'PROCESSED',
      // Exactly the parts decided on, by hash: retrieval serves only these.
      decision: JSON.stringify({ ...outcome.decision, parts: partRows.map(usedPart) }),
      capabilities: JSON.stringify(outcome.capabilities),
      completed_at: completedAt,
    })
    .where('id', '=', executionId)
    .where('status', '=', 'ACQUIRED')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return;
  ctx.logger.info({ executionId, decision: outcome.decision.type }, 'execution processed');
  await enqueueCallback(ctx, { ...row, status: 'PROCESSED' });
}
