/** What the widget does with its workflow token: read the session, consent, choose a document, upload, finalize. */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  type CaptureMetadataRequest,
  type ConsentRequest,
  type ConsentResponse,
  DOCUMENT_TYPES,
  type DocumentSelectionRequest,
  type DocumentType,
  type FinalizeResponse,
  type LivenessMode,
  type MissingPart,
  type PartClassifier,
  type SessionResponse,
  type UploadedPart,
  type UserConsent,
  type WorkflowDefinitionKey,
} from '../../shared/api/index.js';
import type { WorkflowGrant } from '../auth/workflow-tokens.js';
import type { ServerContext } from '../context.js';
import type { PartsTable } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { livenessStatus } from '../liveness/liveness-challenges.js';
import { prefetchFaceAnalysis } from '../faces/face-analysis.js';
import { validateImage } from '../media/validate-image.js';
import { assertExecutionActive, type ExecutionRow, whileExecutionActive } from './execution-row.js';
import {
  CLASSIFIERS_BY_CATEGORY,
  type CredentialRecord,
  credentialFromRow,
  INACTIVITY_TIMEOUT_MS,
  requiredClassifiers,
} from './model.js';
import { enqueueProcessing } from './processing-job.js';
import { PublicUrls } from './urls.js';

export async function loadCredentials(ctx: ServerContext, executionId: string): Promise<CredentialRecord[]> {
  const rows = await ctx.db
    .selectFrom('credentials')
    .selectAll()
    .where('execution_id', '=', executionId)
    .orderBy('position')
    .execute();
  return rows.map(credentialFromRow);
}

function uploadedPart(row: PartsTable): UploadedPart {
  return {
    credentialId: row.credential_id,
    classifier: row.classifier as PartClassifier,
    sha256: row.sha256,
    mime: row.mime,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    uploadedAt: row.uploaded_at,
  };
}

function idCredential(credentials: CredentialRecord[]): CredentialRecord | undefined {
  return credentials.find((credential) => credential.category === 'ID');
}

export async function readSession(ctx: ServerContext, row: ExecutionRow): Promise<SessionResponse> {
  const urls = new PublicUrls(ctx.config);
  const credentials = await loadCredentials(ctx, row.id);
  const parts = await ctx.db.selectFrom('parts').selectAll().where('execution_id', '=', row.id).execute();
  const document = idCredential(credentials);
  const tokenExpiresAt = row.token_expires_at;
  const inactivityDeadline = row.last_activity_at
    ? new Date(Date.parse(row.last_activity_at) + INACTIVITY_TIMEOUT_MS).toISOString()
    : undefined;
  const expiresAt =
    inactivityDeadline && inactivityDeadline < tokenExpiresAt ? inactivityDeadline : tokenExpiresAt;
  const liveness = await livenessStatus(ctx, row);
  return {
    account: { id: row.account_id },
    workflowExecution: {
      id: row.id,
      status: row.status as SessionResponse['workflowExecution']['status'],
      definitionKey: row.definition_key as WorkflowDefinitionKey,
    },
    credentials: credentials.map((credential) => ({
      id: credential.id,
      category: credential.category,
      classifiers: CLASSIFIERS_BY_CATEGORY[credential.category],
    })),
    document: {
      allowedTypes: document?.allowedTypes ?? [...DOCUMENT_TYPES],
      allowedCountries: document?.allowedCountries ?? null,
      chosen:
        row.document_type && row.document_country
          ? { type: row.document_type as DocumentType, country: row.document_country }
          : null,
    },
    liveness: { mode: row.liveness_mode as LivenessMode, status: liveness },
    locale: row.locale,
    web: {
      ...(row.success_url ? { successUrl: row.success_url } : {}),
      ...(row.error_url ? { errorUrl: row.error_url } : {}),
    },
    consent: {
      given: row.consent_given === 1,
      ...(row.consent_version ? { version: row.consent_version } : {}),
      ...(row.consent_at ? { at: row.consent_at } : {}),
    },
    parts: parts.map(uploadedPart),
    expiresAt,
    tokenExpiresAt,
    links: {
      session: urls.session(),
      consent: urls.session('/consent'),
      document: urls.session('/document'),
      captureMetadata: urls.session('/capture-metadata'),
      finalize: urls.execution(row.account_id, row.id),
      ...(liveness === 'NOT_REQUIRED' ? {} : { liveness: urls.session('/liveness') }),
      parts: credentials.flatMap((credential) =>
        CLASSIFIERS_BY_CATEGORY[credential.category].map((classifier) => ({
          credentialId: credential.id,
          classifier,
          href: urls.part(row.account_id, row.id, credential.id, classifier),
        })),
      ),
    },
  };
}

export async function recordConsent(
  ctx: ServerContext,
  row: ExecutionRow,
  body: ConsentRequest,
): Promise<ConsentResponse> {
  assertExecutionActive(row);
  const at = ctx.clock.now().toISOString();
  await whileExecutionActive(ctx, row.id, (trx) =>
    trx
      .updateTable('workflow_executions')
      .set({ consent_given: body.accepted ? 1 : 0, consent_version: body.version ?? null, consent_at: at })
      .where('id', '=', row.id)
      .execute(),
  );
  return { consent: { given: body.accepted, ...(body.version ? { version: body.version } : {}), at } };
}

/** The issuing country may stay open (`country` absent: the KYC API's SDK may name the type alone). */
export async function chooseDocument(
  ctx: ServerContext,
  row: ExecutionRow,
  body: Omit<DocumentSelectionRequest, 'country'> & { country?: string },
): Promise<void> {
  assertExecutionActive(row);
  const document = idCredential(await loadCredentials(ctx, row.id));
  if (!document) throw new ApiError(409, 'CONFLICT', 'This execution has no ID credential');
  if (document.allowedTypes && !document.allowedTypes.includes(body.type)) {
    throw new ApiError(422, 'DOCUMENT_TYPE_NOT_ALLOWED', 'Document type not allowed for this verification', [
      { path: 'type', allowed: document.allowedTypes },
    ]);
  }
  if (body.country && document.allowedCountries && !document.allowedCountries.includes(body.country)) {
    throw new ApiError(
      422,
      'DOCUMENT_TYPE_NOT_ALLOWED',
      'Issuing country not allowed for this verification',
      [{ path: 'country', allowed: document.allowedCountries }],
    );
  }
  await whileExecutionActive(ctx, row.id, (trx) =>
    trx
      .updateTable('workflow_executions')
      .set({ document_type: body.type, document_country: body.country ?? null })
      .where('id', '=', row.id)
      .execute(),
  );
}

export async function recordCaptureMetadata(
  ctx: ServerContext,
  row: ExecutionRow,
  body: CaptureMetadataRequest,
): Promise<string> {
  assertExecutionActive(row);
  const receivedAt = ctx.clock.now().toISOString();
  await whileExecutionActive(ctx, row.id, (trx) =>
    trx
      .updateTable('workflow_executions')
      .set({ capture_metadata: JSON.stringify({ ...body, receivedAt }) })
      .where('id', '=', row.id)
      .execute(),
  );
  return receivedAt;
}

export interface PartAddress {
  accountId: string;
  workflowExecutionId: string;
  credentialId: string;
  classifier: string;
}

/**
 * The token's execution must be the one in the path, and an `api.token` opens its own credential only. 403, not
 * 404: the caller holds a token of this execution, so nothing is disclosed.
 */
export async function resolveCredential(
  ctx: ServerContext,
  row: ExecutionRow,
  grant: WorkflowGrant,
  address: Omit<PartAddress, 'classifier'>,
): Promise<CredentialRecord> {
  if (address.accountId !== row.account_id || address.workflowExecutionId !== row.id) {
    throw new ApiError(403, 'FORBIDDEN', 'This token belongs to another workflow execution');
  }
  const credential = (await loadCredentials(ctx, row.id)).find((c) => c.id === address.credentialId);
  if (!credential) throw new ApiError(404, 'NOT_FOUND', 'Credential not found');
  if (grant.kind === 'api' && grant.credentialId !== credential.id) {
    throw new ApiError(403, 'FORBIDDEN', 'This api.token belongs to another credential');
  }
  return credential;
}

/** {@link resolveCredential}, and the credential must take that classifier. */
export async function resolvePartTarget(
  ctx: ServerContext,
  row: ExecutionRow,
  grant: WorkflowGrant,
  address: PartAddress,
): Promise<{ credential: CredentialRecord; classifier: PartClassifier }> {
  const credential = await resolveCredential(ctx, row, grant, address);
  const allowed = CLASSIFIERS_BY_CATEGORY[credential.category];
  if (!(allowed as string[]).includes(address.classifier)) {
    throw new ApiError(
      422,
      'INVALID_CLASSIFIER',
      `A ${credential.category} credential takes ${allowed.join(', ')}`,
    );
  }
  return { credential, classifier: address.classifier as PartClassifier };
}

/** Deletes the blob a refused write left behind, then rethrows. */
async function discardOnFailure<T>(ctx: ServerContext, key: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    await ctx.blobs
      .delete(key)
      .catch((cause: unknown) => ctx.logger.warn({ err: cause }, 'blob not discarded'));
    throw error;
  }
}

/** Validates and stores one image; re-uploading a classifier replaces it. Returns whether it was new. */
export async function storePart(
  ctx: ServerContext,
  row: ExecutionRow,
  target: { credential: CredentialRecord; classifier: PartClassifier },
  upload: Uint8Array,
): Promise<{ part: UploadedPart; partId: string; created: boolean }> {
  assertExecutionActive(row);
  const image = await validateImage(upload, { allowPdf: target.credential.category === 'ID' });
  // One blob per write (the random tail): a write refused below can delete its own blob without touching a stored
  // part that happens to have the same bytes.
  const key = `executions/${row.id}/${target.credential.id}/${target.classifier}-${image.sha256.slice(0, 16)}-${randomBytes(6).toString('hex')}`;
  await ctx.blobs.put(key, image.bytes);
  const values: PartsTable = {
    id: randomUUID(),
    credential_id: target.credential.id,
    classifier: target.classifier,
    execution_id: row.id,
    blob_key: key,
    mime: image.mime,
    width: image.width,
    height: image.height,
    bytes: image.bytes.length,
    sha256: image.sha256,
    uploaded_at: ctx.clock.now().toISOString(),
  };
  // Read the replaced row and write the new one in one transaction that holds the execution while it is INITIATED:
  // two racing uploads of the same part agree on which blob they replaced, and an upload that finishes after
  // finalize is refused (its blob discarded) instead of changing the evidence.
  const previous = await discardOnFailure(
    ctx,
    key,
    whileExecutionActive(ctx, row.id, async (trx) => {
      const replaced = await trx
        .selectFrom('parts')
        .select(['blob_key'])
        .where('credential_id', '=', target.credential.id)
        .where('classifier', '=', target.classifier)
        .executeTakeFirst();
      await trx
        .insertInto('parts')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['credential_id', 'classifier']).doUpdateSet({
            id: values.id,
            blob_key: values.blob_key,
            mime: values.mime,
            width: values.width,
            height: values.height,
            bytes: values.bytes,
            sha256: values.sha256,
            uploaded_at: values.uploaded_at,
          }),
        )
        .execute();
      return replaced;
    }),
  );
  if (previous) await ctx.blobs.delete(previous.blob_key);
  // The selfie and the document front are analysed now, while the user goes on: the face match reads the cache.
  if ((target.classifier === 'FACE' || target.classifier === 'FRONT') && image.mime !== 'application/pdf') {
    prefetchFaceAnalysis(image.bytes);
  }
  return { part: uploadedPart(values), partId: values.id as string, created: !previous };
}

export async function removePart(
  ctx: ServerContext,
  row: ExecutionRow,
  target: { credential: CredentialRecord; classifier: PartClassifier },
): Promise<void> {
  assertExecutionActive(row);
  const existing = await whileExecutionActive(ctx, row.id, async (trx) => {
    const found = await trx
      .selectFrom('parts')
      .select(['blob_key'])
      .where('credential_id', '=', target.credential.id)
      .where('classifier', '=', target.classifier)
      .executeTakeFirst();
    if (!found) throw new ApiError(404, 'NOT_FOUND', 'No such part uploaded');
    await trx
      .deleteFrom('parts')
      .where('credential_id', '=', target.credential.id)
      .where('classifier', '=', target.classifier)
      .execute();
    return found;
  });
  await ctx.blobs.delete(existing.blob_key);
}

/**
 * Consent for processing: the user's own in the widget, or the one the customer collected and sent with the
 * account (`userConsent`; `na` where the user's jurisdiction needs none). An explicit `no` is no consent.
 */
export function hasConsent(row: Pick<ExecutionRow, 'consent_given' | 'user_consent'>): boolean {
  if (row.consent_given === 1) return true;
  if (!row.user_consent) return false;
  const given = (JSON.parse(row.user_consent) as UserConsent).consent.obtained;
  return given === 'yes' || given === 'na';
}

/** Ends capture: status ACQUIRED and a processing job. A repeat call replays the first answer. */
export async function finalizeExecution(
  ctx: ServerContext,
  row: ExecutionRow,
  address: { accountId: string; workflowExecutionId: string },
): Promise<FinalizeResponse> {
  if (address.accountId !== row.account_id || address.workflowExecutionId !== row.id) {
    throw new ApiError(403, 'FORBIDDEN', 'This token belongs to another workflow execution');
  }
  if (row.finalize_response) return JSON.parse(row.finalize_response) as FinalizeResponse;
  assertExecutionActive(row);
  const credentials = await loadCredentials(ctx, row.id);
  const acquiredAt = ctx.clock.now().toISOString();
  const answer: FinalizeResponse = {
    account: { id: row.account_id },
    workflowExecution: { id: row.id, status: 'ACQUIRED', acquiredAt },
  };
  // The status change comes first and holds the execution row (as every evidence write does, see
  // whileExecutionActive), so the parts checked here are the parts decided on: an upload still in flight either
  // committed before and is checked, or commits after and is refused.
  const won = await ctx.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('workflow_executions')
      .set({ status: 'ACQUIRED', acquired_at: acquiredAt, finalize_response: JSON.stringify(answer) })
      .where('id', '=', row.id)
      .where('status', '=', 'INITIATED')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    const current = await trx
      .selectFrom('workflow_executions')
      .select(['consent_given', 'document_type', 'user_consent'])
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    if (!hasConsent(current)) {
      throw new ApiError(
        409,
        'CONSENT_REQUIRED',
        'No consent: send userConsent (consent.obtained "yes", or "na" where none is needed) when creating the ' +
          'account (POST /api/v1/accounts, or PUT /api/v1/accounts/{accountId} for a new execution), or let the user ' +
          'consent in the widget (POST /api/v1/session/consent)',
      );
    }
    const parts = await trx
      .selectFrom('parts')
      .select(['credential_id', 'classifier'])
      .where('execution_id', '=', row.id)
      .execute();
    const present = new Set(parts.map((part) => `${part.credential_id}/${part.classifier}`));
    const missing: MissingPart[] = credentials.flatMap((credential) =>
      requiredClassifiers(credential, current.document_type)
        .filter((classifier) => !present.has(`${credential.id}/${classifier}`))
        .map((classifier) => ({ credentialId: credential.id, category: credential.category, classifier })),
    );
    if (missing.length > 0) throw new ApiError(422, 'MISSING_PARTS', 'Required parts are missing', missing);
    return true;
  });
  if (!won) {
    // Another request finalized first: answer what it answered.
    const winner = await ctx.db
      .selectFrom('workflow_executions')
      .select(['finalize_response'])
      .where('id', '=', row.id)
      .executeTakeFirst();
    if (winner?.finalize_response) return JSON.parse(winner.finalize_response) as FinalizeResponse;
    throw new ApiError(409, 'EXECUTION_NOT_ACTIVE', 'Execution is no longer active');
  }
  await enqueueProcessing(ctx, row.id);
  return answer;
}
