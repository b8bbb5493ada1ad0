/** The processing job: after finalize, runs the pipeline on the stored parts, stores the decision, calls back. */
import type { DecisionPart, PartClassifier } from '../../shared/api/index.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { loadIdentityMatch, recordIdentityFromSession, selfieTemplate } from '../kyc/identities.js';
import { kycDecisionTuning, recordSessionWeights } from '../kyc/weights.js';
import { loadLivenessEvidence } from '../liveness/liveness-challenges.js';
import type { ExecutionInput, StoredPart } from '../pipeline/index.js';
import { AUTHENTICATION_DEFINITION_KEY, type PipelineDefinitionKey } from '../pipeline/requirements.js';
import { enqueueCallback } from './callbacks.js';
import { sha256Hex } from './execution-row.js';
import { credentialFromRow, prefillOf, requiredClassifiers } from './model.js';

export const JOB_PROCESS_EXECUTION = 'process-execution';

export function processingDedupeKey(executionId: string): string {
  return `process:${executionId}`;
}

/** Queues the processing job once per execution (the dedupe key makes a repeat a no-op). */
export async function enqueueProcessing(ctx: ServerContext, executionId: string): Promise<void> {
  await ctx.queue.enqueue(
    JOB_PROCESS_EXECUTION,
    { executionId },
    { dedupeKey: processingDedupeKey(executionId) },
  );
}

function usedPart(part: { credential_id: string; classifier: string; sha256: string }): DecisionPart {
  return {
    credentialId: part.credential_id,
    classifier: part.classifier as PartClassifier,
    sha256: part.sha256,
  };
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
    definitionKey: row.definition_key as PipelineDefinitionKey,
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
  };
  const prefill = credentialRows.map(prefillOf).find((fields) => fields !== undefined);
  if (prefill) input.prefill = prefill;
  const liveness = await loadLivenessEvidence(ctx, row);
  if (liveness) input.liveness = liveness;
  // The client's (or its user's) KYC weights and requirements; the version used is recorded on the session.
  const tuning = await kycDecisionTuning(ctx, row);
  Object.assign(input, tuning.input);
  await recordSessionWeights(ctx, executionId, tuning.weightsId);
  // Returning-user authentication (KYC API) is decided against its identity's face template.
  const authentication = row.definition_key === AUTHENTICATION_DEFINITION_KEY;
  if (authentication) {
    const identityMatch = await loadIdentityMatch(ctx, executionId, tuning.identityMatchThreshold);
    if (identityMatch) input.identityMatch = identityMatch;
  }
  // Loaded on first use: the pipeline pulls in image and face analysis that request handling never needs.
  const { authenticationCapabilities, pipelineCapabilities, runPipeline } = await import(
    '../pipeline/index.js'
  );
  const capabilities = authentication ? authenticationCapabilities() : pipelineCapabilities(ctx.config);
  const outcome = await runPipeline(input, capabilities);
  const completedAt = ctx.clock.now().toISOString();
  // The template of the identity a PASSED session verifies, before the transaction (the face analysis is cached).
  const verifiedTemplate =
    !authentication && outcome.decision.type === 'PASSED'
      ? await selfieTemplate(ctx, executionId)
      : undefined;
  const stored = await ctx.db.transaction().execute(async (trx) => {
    const result = await trx
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
    if (Number(result.numUpdatedRows) === 0) return false;
    // The KYC API's identity moves with the decision, in the same transaction: no reader sees a decided session
    // without the identity it verified (or a failed recording with the decision stored: the job runs again).
    await recordIdentityFromSession({ ...ctx, db: trx }, executionId, { template: verifiedTemplate });
    return true;
  });
  if (!stored) return;
  ctx.logger.info({ executionId, decision: outcome.decision.type }, 'execution processed');
  await enqueueCallback(ctx, { ...row, status: 'PROCESSED', completed_at: completedAt });
}
