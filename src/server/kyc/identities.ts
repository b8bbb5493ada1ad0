/**
 * Identities (KYC API, issue #16): a person who stays verified. A decided IDV session creates or updates one —
 * the identity the session names (`kyc_sessions.identity_id`), else the client's identity of the same `user_id`, else
 * the one of the same issuing country + document number, else a new one:
 * - PASSED: the identity becomes (or stays) verified and takes the session's person and document data, its score and
 *   the face template (the descriptor of the session's selfie, which the face match and liveness just accepted);
 * - not PASSED: the session is linked to the identity it matches and changes nothing of it; without a match, a new
 *   unverified identity (no template) records the attempt.
 * The template is what returning-user authentication (IDA, ./ida-sessions.ts) compares a new selfie with. It is
 * biometric data: stored as base64 of little-endian float32 with the descriptor's version, never logged, never
 * returned (only `has_face_template`), cleared by anonymize, and cleared with the rest of the identity when the
 * session it came from is wiped (PII deletion: `anonymizeIdentitiesOfSession`, called by wipeExecution).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Decision } from '../../shared/api/index.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { Database } from '../db/schema.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import { analyzeFaces, isUnanalysableImage } from '../faces/face-analysis.js';
import { DEFAULT_FACE_MATCH_THRESHOLD, selfiePeople } from '../faces/face-match.js';
import { DESCRIPTOR_LENGTH } from '../faces/face-models.js';
import { AUTHENTICATION_DEFINITION_KEY } from '../pipeline/requirements.js';
import { readDocumentData } from './session-files.js';
import type { KycDocumentData } from './session-schemas.js';
import { selfieBytes } from '../liveness/liveness-challenges.js';
import { ensureKycSession, type IdentitiesTable, type KycSessionsTable, kycDb } from './tables.js';

export type IdentityRow = Selectable<IdentitiesTable>;
type KycSessionRow = Selectable<KycSessionsTable>;

/**
 * The KYC row of an execution (as ./auth.ts's findKycSession; not imported from there: the processing job imports
 * this module, and the SDK auth imports the token checks that import the job).
 */
function findKycSession(ctx: ServerContext, executionId: string): Promise<KycSessionRow | undefined> {
  return kycDb(ctx)
    .selectFrom('kyc_sessions')
    .selectAll()
    .where('execution_id', '=', executionId)
    .executeTakeFirst();
}

/**
 * Which descriptor a template is: human's `faceres` (1024-d) on the mesh-aligned crop (../faces/face-analyzer.ts).
 * Change it whenever the model or the crop changes: distances across versions mean nothing, so an identity with an
 * older template cannot authenticate until a new IDV session verifies it again.
 */
export const FACE_TEMPLATE_VERSION = `human-3.3.6/faceres-${DESCRIPTOR_LENGTH}/mesh-aligned`;

/** The KYC API's document record (idv document/read, identity document/completed), without the session id. */
export type KycDocument = Omit<KycDocumentData, 'session_id'>;

export function encodeTemplate(descriptor: Float32Array): string {
  const bytes = Buffer.alloc(descriptor.length * 4);
  descriptor.forEach((value, i) => {
    bytes.writeFloatLE(value, i * 4);
  });
  return bytes.toString('base64');
}

export function decodeTemplate(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

/** Whether the identity can authenticate: verified, with a template of the current descriptor. */
export function canAuthenticate(identity: IdentityRow): boolean {
  return (
    identity.verified === 1 &&
    identity.status === 'verified' &&
    identity.face_template !== null &&
    identity.face_template_version === FACE_TEMPLATE_VERSION
  );
}

/**
 * The pipeline's `identityMatch` for an authentication (10090) execution: its identity's template and `threshold`
 * (the `verified_account_face_encoding_tolerance` weight, from the client's or user's weights: kyc/weights.ts).
 * Undefined when the identity cannot authenticate any more (anonymized meanwhile): the capability then says
 * NO_IDENTITY_TEMPLATE and the session does not pass.
 */
export async function loadIdentityMatch(
  ctx: ServerContext,
  executionId: string,
  threshold: number = DEFAULT_FACE_MATCH_THRESHOLD,
): Promise<{ template: number[]; threshold: number } | undefined> {
  const session = await findKycSession(ctx, executionId);
  if (!session?.identity_id) return undefined;
  const identity = await kycDb(ctx)
    .selectFrom('identities')
    .selectAll()
    .where('id', '=', session.identity_id)
    .where('client_id', '=', session.client_id)
    .executeTakeFirst();
  if (!identity || !canAuthenticate(identity) || !identity.face_template) return undefined;
  return { template: decodeTemplate(identity.face_template), threshold };
}

/** The selfie's face template (base64 float32), undefined without exactly one person in it. */
export async function selfieTemplate(
  ctx: Pick<ServerContext, 'db' | 'blobs'>,
  executionId: string,
): Promise<string | undefined> {
  const bytes = await selfieBytes(ctx, executionId);
  if (!bytes) return undefined;
  try {
    const people = selfiePeople((await analyzeFaces(bytes)).faces);
    return people.length === 1 && people[0] ? encodeTemplate(people[0].descriptor) : undefined;
  } catch (error) {
    if (isUnanalysableImage(error)) return undefined;
    throw error;
  }
}

/** The session's KYC row; a workflow-API execution of a client that uses the KYC API gets one (kind idv). */
async function idvSessionOf(ctx: ServerContext, row: ExecutionRow): Promise<KycSessionRow | undefined> {
  const existing = await findKycSession(ctx, row.id);
  if (existing) return existing.kind === 'idv' && !existing.deleted_at ? existing : undefined;
  const db = kycDb(ctx);
  const usesKyc = await db
    .selectFrom('kyc_sessions')
    .select(['execution_id'])
    .where('client_id', '=', row.client_id)
    .limit(1)
    .executeTakeFirst();
  if (!usesKyc) return undefined;
  return ensureKycSession(ctx, row);
}

/** The client's live identity this session belongs to, by the rules in the module comment. */
async function matchingIdentity(
  ctx: ServerContext,
  session: KycSessionRow,
  document: KycDocument,
): Promise<IdentityRow | undefined> {
  const live = () =>
    kycDb(ctx)
      .selectFrom('identities')
      .selectAll()
      .where('client_id', '=', session.client_id)
      .where('anonymized_at', 'is', null)
      .orderBy('updated_at', 'desc')
      .orderBy('id');
  if (session.identity_id) {
    const named = await live().where('id', '=', session.identity_id).executeTakeFirst();
    if (named) return named;
  }
  if (session.user_id) {
    const byUser = await live().where('user_id', '=', session.user_id).executeTakeFirst();
    if (byUser) return byUser;
  }
  if (document.issuing_country && document.document_number) {
    return live()
      .where('issuing_country', '=', document.issuing_country)
      .where('document_number', '=', document.document_number)
      .executeTakeFirst();
  }
  return undefined;
}

/**
 * Records what a decided IDV session says about its person (module comment). Safe to call twice and for any
 * execution: authentication sessions, undecided or wiped executions, and executions of clients that do not use the
 * KYC API are left alone. Returns the identity's id, or undefined when none was touched.
 */
export async function recordIdentityFromSession(
  ctx: ServerContext,
  executionId: string,
  /** The selfie's template when the caller computed it already (the processing job, before its transaction). */
  precomputed: { template?: string | undefined } = {},
): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('id', '=', executionId)
    .executeTakeFirst();
  if (!row?.decision || row.status !== 'PROCESSED' || row.wiped_out_at) return undefined;
  if (row.definition_key === AUTHENTICATION_DEFINITION_KEY) return undefined;
  const session = await idvSessionOf(ctx, row);
  if (!session) return undefined;
  const decision = JSON.parse(row.decision) as Decision;
  const passed = decision.type === 'PASSED';
  const { session_id: _sessionId, ...document } = readDocumentData(row, session);
  const matched = await matchingIdentity(ctx, session, document);
  const db = kycDb(ctx);
  const now = ctx.clock.now().toISOString();
  const score = decision.risk ? 100 - decision.risk.score : null;
  const person = {
    first_name: document.first_name,
    last_name: document.last_name,
    birth_date: document.birth_date,
    gender: document.gender,
    nationality: document.nationality,
    document_type: document.document_type,
    document_number: document.document_number,
    issuing_country: document.issuing_country,
    expiry_date: document.expiry_date,
    document_data: JSON.stringify(document),
  };
  let identityId: string;
  if (passed) {
    // Already recorded (a re-run job): nothing new to store.
    if (matched?.latest_session_id === row.id && matched.verified === 1) return matched.id;
    const template = 'template' in precomputed ? precomputed.template : await selfieTemplate(ctx, row.id);
    const verified = {
      ...person,
      status: 'verified',
      verified: 1,
      score,
      account_id: row.account_id,
      face_template: template ?? null,
      face_template_version: template ? FACE_TEMPLATE_VERSION : null,
      latest_session_id: row.id,
      verified_at: row.completed_at ?? now,
      updated_at: now,
    };
    if (matched) {
      identityId = matched.id;
      await db
        .updateTable('identities')
        .set({ ...verified, user_id: matched.user_id ?? session.user_id })
        .where('id', '=', matched.id)
        .execute();
    } else {
      identityId = randomUUID();
      await db
        .insertInto('identities')
        .values({
          id: identityId,
          client_id: row.client_id,
          user_id: session.user_id,
          ...verified,
          created_at: now,
          anonymized_at: null,
        })
        .execute();
    }
  } else if (matched) {
    // An attempt that did not pass changes nothing of the identity it belongs to.
    identityId = matched.id;
  } else {
    // Nothing to recognise the person by next time: no identity.
    if (!session.user_id && !document.document_number) return undefined;
    identityId = randomUUID();
    await db
      .insertInto('identities')
      .values({
        id: identityId,
        client_id: row.client_id,
        account_id: row.account_id,
        user_id: session.user_id,
        status: 'unverified',
        verified: 0,
        score,
        ...person,
        face_template: null,
        face_template_version: null,
        latest_session_id: row.id,
        verified_at: null,
        created_at: now,
        updated_at: now,
        anonymized_at: null,
      })
      .execute();
  }
  await db
    .updateTable('kyc_sessions')
    .set({ identity_id: identityId })
    .where('execution_id', '=', row.id)
    .execute();
  return identityId;
}

/** What anonymize leaves of an identity: ids, status, score and timestamps; no person, document or template. */
function anonymizedColumns(nowIso: string) {
  return {
    status: 'anonymized',
    verified: 0,
    user_id: null,
    first_name: null,
    last_name: null,
    birth_date: null,
    gender: null,
    nationality: null,
    document_type: null,
    document_number: null,
    issuing_country: null,
    expiry_date: null,
    document_data: null,
    face_template: null,
    face_template_version: null,
    updated_at: nowIso,
    anonymized_at: nowIso,
  } as const;
}

export async function anonymizeIdentity(ctx: ServerContext, identity: IdentityRow): Promise<string> {
  if (identity.anonymized_at) return identity.anonymized_at;
  const nowIso = ctx.clock.now().toISOString();
  await kycDb(ctx)
    .updateTable('identities')
    .set(anonymizedColumns(nowIso))
    .where('id', '=', identity.id)
    .execute();
  return nowIso;
}

/**
 * PII deletion of a session (wipeExecution, in its transaction): the identity whose data and template came from it
 * is anonymized too, so no template outlives the selfie it was derived from.
 */
export async function anonymizeIdentitiesOfSession(
  db: Kysely<Database>,
  executionId: string,
  nowIso: string,
): Promise<void> {
  await kycDb({ db })
    .updateTable('identities')
    .set(anonymizedColumns(nowIso))
    .where('latest_session_id', '=', executionId)
    .where('anonymized_at', 'is', null)
    .execute();
}

/** The KYC API's identity record (no template, only whether there is one). */
export type IdentityStatus = 'verified' | 'unverified' | 'anonymized';

export interface KycIdentity {
  identity_id: string;
  client_id: string;
  user_id: string | null;
  status: IdentityStatus;
  verified: boolean;
  score: number | null;
  first_name: string | null;
  last_name: string | null;
  full_name: string | null;
  birth_date: string | null;
  gender: string | null;
  nationality: string | null;
  document_type: string | null;
  document_number: string | null;
  issuing_country: string | null;
  expiry_date: string | null;
  has_face_template: boolean;
  latest_session_id: string | null;
  session_ids: string[];
  verified_at: string | null;
  created_at: string;
  updated_at: string;
}

/** The records of `rows`, in their order, each with its IDV sessions (oldest first; deleted ones left out). */
export async function identityViews(
  ctx: ServerContext,
  rows: readonly IdentityRow[],
): Promise<KycIdentity[]> {
  const ids = rows.map((row) => row.id);
  const sessions =
    ids.length === 0
      ? []
      : await kycDb(ctx)
          .selectFrom('kyc_sessions')
          .select(['identity_id', 'execution_id'])
          .where('identity_id', 'in', ids)
          .where('kind', '=', 'idv')
          .where('deleted_at', 'is', null)
          .orderBy('created_at')
          .orderBy('execution_id')
          .execute();
  return rows.map((row) => ({
    identity_id: row.id,
    client_id: row.client_id,
    user_id: row.user_id,
    status: row.status as IdentityStatus,
    verified: row.verified === 1,
    score: row.score,
    first_name: row.first_name,
    last_name: row.last_name,
    full_name: [row.first_name, row.last_name].filter((name) => name).join(' ') || null,
    birth_date: row.birth_date,
    gender: row.gender,
    nationality: row.nationality,
    document_type: row.document_type,
    document_number: row.document_number,
    issuing_country: row.issuing_country,
    expiry_date: row.expiry_date,
    has_face_template: row.face_template !== null,
    latest_session_id: row.latest_session_id,
    session_ids: sessions.filter((s) => s.identity_id === row.id).map((s) => s.execution_id),
    verified_at: row.verified_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }));
}

/** One of the client's identities, else 404 (another client's identity is not revealed). */
export async function findOwnIdentity(
  ctx: ServerContext,
  clientId: string,
  identityId: string,
): Promise<IdentityRow> {
  const row = await kycDb(ctx)
    .selectFrom('identities')
    .selectAll()
    .where('id', '=', identityId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  if (!row) throw new ApiError(404, 'NOT_FOUND', 'Identity not found');
  return row;
}
