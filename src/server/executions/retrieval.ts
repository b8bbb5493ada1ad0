/** Retrieval and PII deletion for API clients: a client only ever sees its own accounts. */
import type {
  CapabilityResult,
  Decision,
  DocumentType,
  ExecutionDetails,
  ExecutionList,
  ExecutionStatus,
  ExecutionStatusResponse,
  PartClassifier,
  RetrievalStatus,
  WorkflowDefinitionKey,
} from '../../shared/api/index.js';
import type { ApiClient } from '../auth/clients.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { forgetHandoffs } from './handoff.js';
import { type ExecutionRow, sha256Hex } from './lifecycle.js';
import { loadCredentials } from './widget-session.js';
import { PublicUrls } from './urls.js';

/** Another client's execution answers exactly like a missing one: existence is not disclosed. */
export async function findOwnExecution(
  ctx: ServerContext,
  client: ApiClient,
  accountId: string,
  executionId: string,
): Promise<ExecutionRow> {
  const row = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('id', '=', executionId)
    .where('account_id', '=', accountId)
    .where('client_id', '=', client.id)
    .executeTakeFirst();
  if (!row) throw new ApiError(404, 'NOT_FOUND', 'Workflow execution not found');
  return row;
}

async function findOwnAccount(ctx: ServerContext, client: ApiClient, accountId: string): Promise<void> {
  const account = await ctx.db
    .selectFrom('accounts')
    .select(['id'])
    .where('id', '=', accountId)
    .where('client_id', '=', client.id)
    .executeTakeFirst();
  if (!account) throw new ApiError(404, 'NOT_FOUND', 'Account not found');
}

export async function executionDetails(ctx: ServerContext, row: ExecutionRow): Promise<ExecutionDetails> {
  const urls = new PublicUrls(ctx.config);
  const credentials = await loadCredentials(ctx, row.id);
  const parts = await ctx.db.selectFrom('parts').selectAll().where('execution_id', '=', row.id).execute();
  return {
    workflow: {
      id: row.id,
      status: reportedStatus(row),
      definitionKey: row.definition_key as WorkflowDefinitionKey,
      userReference: row.user_reference,
      customerInternalReference: row.customer_internal_reference,
    },
    account: { id: row.account_id, href: urls.account(row.account_id) },
    createdAt: row.created_at,
    startedAt: row.started_at,
    acquiredAt: row.acquired_at,
    completedAt: row.completed_at,
    wipedOutAt: row.wiped_out_at,
    document:
      row.document_type && row.document_country
        ? { type: row.document_type as DocumentType, country: row.document_country }
        : null,
    credentials: credentials.map((credential) => ({
      id: credential.id,
      category: credential.category,
      parts: parts
        .filter((part) => part.credential_id === credential.id)
        .map((part) => ({
          classifier: part.classifier as PartClassifier,
          href: urls.part(row.account_id, row.id, credential.id, part.classifier),
          mime: part.mime,
          sha256: part.sha256,
        })),
    })),
    decision: row.decision ? (JSON.parse(row.decision) as Decision) : null,
    capabilities: row.capabilities
      ? (JSON.parse(row.capabilities) as Record<string, CapabilityResult[]>)
      : {},
    captureClient: row.capture_metadata
      ? (JSON.parse(row.capture_metadata) as Record<string, unknown>)
      : null,
  };
}

export function executionStatus(ctx: ServerContext, row: ExecutionRow): ExecutionStatusResponse {
  const urls = new PublicUrls(ctx.config);
  return {
    account: { id: row.account_id, href: urls.account(row.account_id) },
    workflowExecution: {
      id: row.id,
      definitionKey: row.definition_key as WorkflowDefinitionKey,
      href: urls.execution(row.account_id, row.id),
      status: reportedStatus(row),
    },
  };
}

/** The lifecycle status, or `WIPED_OUT` once the PII was deleted. */
export function reportedStatus(row: Pick<ExecutionRow, 'status' | 'wiped_out_at'>): RetrievalStatus {
  return row.wiped_out_at ? 'WIPED_OUT' : (row.status as ExecutionStatus);
}

export async function listExecutions(
  ctx: ServerContext,
  client: ApiClient,
  accountId: string,
  page: number,
  size: number,
): Promise<ExecutionList> {
  await findOwnAccount(ctx, client, accountId);
  const urls = new PublicUrls(ctx.config);
  const scope = ctx.db
    .selectFrom('workflow_executions')
    .where('account_id', '=', accountId)
    .where('client_id', '=', client.id);
  const { count } = await scope
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .executeTakeFirstOrThrow();
  const rows = await scope
    .select(['id', 'status', 'definition_key', 'created_at', 'completed_at', 'wiped_out_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(size)
    .offset((page - 1) * size)
    .execute();
  return {
    totalCount: Number(count),
    page,
    size,
    workflowExecutions: rows.map((row) => ({
      id: row.id,
      status: reportedStatus(row),
      definitionKey: row.definition_key as WorkflowDefinitionKey,
      createdAt: row.created_at,
      completedAt: row.completed_at,
      href: urls.execution(accountId, row.id),
    })),
  };
}

export async function readPartImage(
  ctx: ServerContext,
  row: ExecutionRow,
  credentialId: string,
  classifier: string,
): Promise<{ bytes: Buffer; mime: string }> {
  const part = await ctx.db
    .selectFrom('parts')
    .select(['blob_key', 'mime', 'sha256'])
    .where('execution_id', '=', row.id)
    .where('credential_id', '=', credentialId)
    .where('classifier', '=', classifier)
    .executeTakeFirst();
  const bytes = part ? await ctx.blobs.get(part.blob_key) : undefined;
  if (!part || !bytes) throw new ApiError(404, 'NOT_FOUND', 'Part not found');
  // After the decision, only the bytes it was made on are evidence: same row hash, same blob hash.
  const decided = row.decision ? (JSON.parse(row.decision) as Decision).parts : undefined;
  const expected = decided?.find(
    (used) => used.credentialId === credentialId && used.classifier === classifier,
  );
  if (decided && expected?.sha256 !== part.sha256) throw new ApiError(404, 'NOT_FOUND', 'Part not found');
  if ((await sha256Hex(bytes)) !== part.sha256) {
    ctx.logger.error({ executionId: row.id, classifier }, 'stored part does not match its sha256');
    throw new ApiError(404, 'NOT_FOUND', 'Part not found');
  }
  return { bytes, mime: part.mime };
}

/** Extracted document data inside capability results is PII too; the decisions and labels stay. */
function withoutExtractedData(capabilities: string | null): string | null {
  if (!capabilities) return capabilities;
  const parsed = JSON.parse(capabilities) as Record<string, CapabilityResult[]>;
  const stripped = Object.fromEntries(
    Object.entries(parsed).map(([name, results]) => [name, results.map(({ data: _data, ...rest }) => rest)]),
  );
  return JSON.stringify(stripped);
}

/**
 * PII deletion: images, references, capture metadata and extracted data go; the decision stays so the
 * customer keeps its audit trail. The workflow token stops working.
 */
export async function wipeExecution(ctx: ServerContext, row: ExecutionRow): Promise<void> {
  await ctx.blobs.deletePrefix(`executions/${row.id}/`);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('parts').where('execution_id', '=', row.id).execute();
    await trx.deleteFrom('idempotency_keys').where('execution_id', '=', row.id).execute();
    // The frames' images went with the blobs; their rows (checksums, blob keys, timings) go too. The challenges stay:
    // they hold only actions, verdicts and labels, which are the liveness decision's audit trail.
    await trx.deleteFrom('liveness_frames').where('execution_id', '=', row.id).execute();
    await forgetHandoffs(trx, row.id);
    await trx
      .updateTable('workflow_executions')
      .set({
        user_reference: null,
        customer_internal_reference: null,
        capture_metadata: null,
        callback_url: null,
        token_hash: null,
        capabilities: withoutExtractedData(row.capabilities),
        wiped_out_at: row.wiped_out_at ?? ctx.clock.now().toISOString(),
      })
      .where('id', '=', row.id)
      .execute();
  });
}

export async function wipeAccount(ctx: ServerContext, client: ApiClient, accountId: string): Promise<void> {
  await findOwnAccount(ctx, client, accountId);
  const rows = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('client_id', '=', client.id)
    .execute();
  for (const row of rows) await wipeExecution(ctx, row);
  await ctx.db
    .updateTable('accounts')
    .set({ wiped_out_at: ctx.clock.now().toISOString() })
    .where('id', '=', accountId)
    .execute();
}
