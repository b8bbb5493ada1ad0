/** Retrieval and PII deletion for API clients: a client only ever sees its own accounts. */
import type {
  CapabilityResult,
  CaptureClient,
  CaptureMetadataRequest,
  Decision,
  DecisionRule,
  DocumentType,
  ExecutionDetails,
  ExecutionList,
  ExecutionStatus,
  ExecutionStatusResponse,
  ExecutionStep,
  Feedback,
  FeedbackRequest,
  PartClassifier,
  ProcessedExecutionList,
  RetrievalStatus,
  UserConsent,
  WorkflowDefinitionKey,
} from '../../shared/api/index.js';
import type { ApiClient } from '../auth/clients.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { anonymizeIdentitiesOfSession } from '../kyc/identities.js';
import { AUTHENTICATION_DEFINITION_KEY, WORKFLOW_REQUIREMENTS } from '../pipeline/requirements.js';
import { statusBody } from './callbacks.js';
import { forgetHandoffs } from './handoff.js';
import { kycDb } from '../kyc/tables.js';
import { redactDeliveries } from '../queue/index.js';
import { type ExecutionRow, sha256Hex } from './execution-row.js';
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
    // KYC API authentication sessions belong to that API only.
    .where('definition_key', '!=', AUTHENTICATION_DEFINITION_KEY)
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
  const decision = row.decision ? (JSON.parse(row.decision) as Decision) : null;
  const capabilities = row.capabilities
    ? (JSON.parse(row.capabilities) as Record<string, CapabilityResult[]>)
    : {};
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
          href: urls.retrievalPart(row.account_id, credential.id, part.classifier),
          mime: part.mime,
          sha256: part.sha256,
        })),
    })),
    decision,
    capabilities,
    steps: await executionSteps(ctx, row),
    rules: decisionRules(row, decision, capabilities),
    feedback: row.feedback ? (JSON.parse(row.feedback) as Feedback) : null,
    consent: consentOf(row),
    captureClient: captureClientOf(row),
  };
}

/** Who consented: the customer for the user (account creation's `userConsent`) and / or the user in the widget. */
function consentOf(row: ExecutionRow): ExecutionDetails['consent'] {
  const customer = row.user_consent ? (JSON.parse(row.user_consent) as UserConsent) : null;
  const widget = row.consent_at
    ? {
        given: row.consent_given === 1,
        at: row.consent_at,
        ...(row.consent_version ? { version: row.consent_version } : {}),
      }
    : null;
  if (!customer && !widget) return null;
  return {
    ...(customer ? { userConsent: customer } : {}),
    ...(widget ? { endUser: widget } : {}),
  };
}

const CAPTURE_MODES = { auto: 'AUTO_CAPTURE', manual: 'MANUAL_CAPTURE', upload: 'FILE_UPLOAD' } as const;

/** The widget's capture metadata as the vendor's `captureClient`: per part, auto or manual capture. */
function captureClientOf(row: ExecutionRow): CaptureClient | null {
  if (!row.capture_metadata) return null;
  const metadata = JSON.parse(row.capture_metadata) as CaptureMetadataRequest & { receivedAt?: string };
  return {
    ...(metadata.userAgent ? { userAgent: metadata.userAgent } : {}),
    ...(metadata.locale ? { locale: metadata.locale } : {}),
    ...(metadata.receivedAt ? { receivedAt: metadata.receivedAt } : {}),
    parts: (metadata.parts ?? []).map((part) => ({
      ...(part.credentialId ? { credentialId: part.credentialId } : {}),
      classifier: part.classifier,
      captureMode: CAPTURE_MODES[part.method],
      ...(part.attempts !== undefined ? { attempts: part.attempts } : {}),
      ...(part.qualityReasons ? { qualityReasons: part.qualityReasons } : {}),
      ...(part.width ? { width: part.width } : {}),
      ...(part.height ? { height: part.height } : {}),
    })),
    ...(metadata.timings ? { timings: metadata.timings } : {}),
  };
}

/** What happened when, from the row, its parts and its liveness challenges, oldest first. */
export async function executionSteps(ctx: ServerContext, row: ExecutionRow): Promise<ExecutionStep[]> {
  const steps: ExecutionStep[] = [{ name: 'CREATED', at: row.created_at }];
  if (row.user_consent) steps.push({ name: 'CONSENT', at: row.created_at, detail: 'CUSTOMER' });
  if (row.started_at) steps.push({ name: 'STARTED', at: row.started_at });
  if (row.consent_at) {
    steps.push({ name: 'CONSENT', at: row.consent_at, detail: row.consent_given ? 'END_USER' : 'DECLINED' });
  }
  const parts = await ctx.db
    .selectFrom('parts')
    .select(['credential_id', 'classifier', 'uploaded_at'])
    .where('execution_id', '=', row.id)
    .execute();
  for (const part of parts) {
    steps.push({
      name: 'PART_UPLOADED',
      at: part.uploaded_at,
      credentialId: part.credential_id,
      classifier: part.classifier as PartClassifier,
    });
  }
  const challenges = await ctx.db
    .selectFrom('liveness_challenges')
    .select(['status', 'completed_at'])
    .where('execution_id', '=', row.id)
    .where('completed_at', 'is not', null)
    .execute();
  for (const challenge of challenges) {
    steps.push({ name: 'LIVENESS', at: challenge.completed_at as string, detail: challenge.status });
  }
  if (row.acquired_at) steps.push({ name: 'ACQUIRED', at: row.acquired_at });
  if (row.completed_at) {
    steps.push(
      row.status === 'PROCESSED'
        ? { name: 'PROCESSED', at: row.completed_at }
        : { name: 'EXPIRED', at: row.completed_at, detail: row.status },
    );
  }
  if (row.wiped_out_at) steps.push({ name: 'WIPED_OUT', at: row.wiped_out_at });
  // Stable: equal times keep the order above (consent before its uploads).
  return steps.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/**
 * The rules behind the decision: one per capability result, marked `fired` when it moved the decision off
 * PASSED (a required capability that did not pass). Same table as the decision (pipeline/requirements.ts).
 */
export function decisionRules(
  row: Pick<ExecutionRow, 'definition_key'>,
  decision: Decision | null,
  capabilities: Record<string, CapabilityResult[]>,
): DecisionRule[] {
  if (!decision) return [];
  const required = new Set<string>(
    WORKFLOW_REQUIREMENTS[row.definition_key as WorkflowDefinitionKey]?.required ?? [],
  );
  return Object.entries(capabilities).flatMap(([capability, results]) =>
    results.map((result) => ({
      id: `${capability}:${result.id}`,
      capability,
      ...(result.credentials[0] ? { credentialId: result.credentials[0].id } : {}),
      required: required.has(capability),
      decision: result.decision.type,
      label: result.decision.details.label,
      fired: required.has(capability) && result.decision.type !== 'PASSED',
    })),
  );
}

/**
 * The callback body for the execution's current state (the same builder, so the same bytes). After PII deletion
 * the status reads `WIPED_OUT` and the user reference is gone, as in the callback of a wiped execution would be.
 */
export function executionStatus(ctx: ServerContext, row: ExecutionRow): ExecutionStatusResponse {
  const body = statusBody(ctx, row);
  return { ...body, workflowExecution: { ...body.workflowExecution, status: reportedStatus(row) } };
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
    .where('client_id', '=', client.id)
    .where('definition_key', '!=', AUTHENTICATION_DEFINITION_KEY);
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

/** The execution that holds a credential of this client's account (the documented part path has no execution). */
export async function findOwnCredentialExecution(
  ctx: ServerContext,
  client: ApiClient,
  accountId: string,
  credentialId: string,
): Promise<ExecutionRow> {
  const row = await ctx.db
    .selectFrom('credentials')
    .innerJoin('workflow_executions', 'workflow_executions.id', 'credentials.execution_id')
    .selectAll('workflow_executions')
    .where('credentials.id', '=', credentialId)
    .where('workflow_executions.account_id', '=', accountId)
    .where('workflow_executions.client_id', '=', client.id)
    .where('workflow_executions.definition_key', '!=', AUTHENTICATION_DEFINITION_KEY)
    .executeTakeFirst();
  if (!row) throw new ApiError(404, 'NOT_FOUND', 'Credential not found');
  return row;
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
  const wipedAt = row.wiped_out_at ?? ctx.clock.now().toISOString();
  await ctx.blobs.deletePrefix(`executions/${row.id}/`);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('parts').where('execution_id', '=', row.id).execute();
    await trx.deleteFrom('idempotency_keys').where('execution_id', '=', row.id).execute();
    // The frames' images went with the blobs; their rows (checksums, blob keys, timings) go too. The challenges stay:
    // they hold only actions, verdicts and labels, which are the liveness decision's audit trail.
    await trx.deleteFrom('liveness_frames').where('execution_id', '=', row.id).execute();
    await forgetHandoffs(trx, row.id);
    // Every token of the execution dies with its PII: sdk (token_hash below), web, api and device tokens.
    await trx.deleteFrom('execution_tokens').where('execution_id', '=', row.id).execute();
    await trx.updateTable('credentials').set({ prefill: null }).where('execution_id', '=', row.id).execute();
    await redactDeliveries(trx, row.id);
    // A KYC identity verified by this session holds its data and the selfie's face template: they go too.
    await anonymizeIdentitiesOfSession(trx, row.id, ctx.clock.now().toISOString());
    await trx
      .updateTable('workflow_executions')
      .set({
        user_reference: null,
        customer_internal_reference: null,
        capture_metadata: null,
        user_consent: null,
        callback_url: null,
        token_hash: null,
        capabilities: withoutExtractedData(row.capabilities),
        wiped_out_at: wipedAt,
      })
      .where('id', '=', row.id)
      .execute();
    // The KYC API's side of the execution (kyc/tables.ts): the customer's metadata, the request address and the
    // image locations are PII too.
    await kycDb({ db: trx })
      .updateTable('kyc_sessions')
      .set((eb) => ({
        metadata: null,
        request_ip: null,
        image_locations: null,
        anonymized_at: eb.fn.coalesce('anonymized_at', eb.val(wipedAt)),
      }))
      .where('execution_id', '=', row.id)
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

/** Fraud feedback on a processed execution (replaces earlier feedback). */
export async function recordFeedback(
  ctx: ServerContext,
  row: ExecutionRow,
  body: FeedbackRequest,
): Promise<Feedback> {
  if (row.status !== 'PROCESSED') {
    throw new ApiError(
      409,
      'EXECUTION_NOT_ACTIVE',
      `Feedback is for processed executions; this one is ${row.status}`,
    );
  }
  const feedback: Feedback = {
    status: body.status,
    ...(body.reason ? { reason: body.reason } : {}),
    submittedAt: ctx.clock.now().toISOString(),
  };
  await ctx.db
    .updateTable('workflow_executions')
    .set({ feedback: JSON.stringify(feedback) })
    .where('id', '=', row.id)
    .execute();
  return feedback;
}

/** The client's last processed executions across all its accounts, newest first. */
export async function listProcessedExecutions(
  ctx: ServerContext,
  client: ApiClient,
  page: number,
  size: number,
): Promise<ProcessedExecutionList> {
  const urls = new PublicUrls(ctx.config);
  const scope = ctx.db
    .selectFrom('workflow_executions')
    .where('client_id', '=', client.id)
    .where('status', '=', 'PROCESSED')
    .where('definition_key', '!=', AUTHENTICATION_DEFINITION_KEY);
  const { count } = await scope
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .executeTakeFirstOrThrow();
  const rows = await scope
    .select(['id', 'account_id', 'status', 'decision', 'completed_at', 'wiped_out_at'])
    .orderBy('completed_at', 'desc')
    .orderBy('id')
    .limit(size)
    .offset((page - 1) * size)
    .execute();
  return {
    page,
    size,
    totalCount: Number(count),
    workflowExecutions: rows.map((row) => ({
      id: row.id,
      account: { id: row.account_id },
      status: reportedStatus(row),
      decision: row.decision ? (JSON.parse(row.decision) as Decision).type : null,
      completedAt: row.completed_at,
      href: urls.execution(row.account_id, row.id),
    })),
  };
}
