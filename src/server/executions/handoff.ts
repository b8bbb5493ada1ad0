/**
 * Cross-device handoff: a desktop session mints a short, single-use code; the phone redeems it once and gets its
 * own workflow token for the same execution. The desktop's token keeps working, so either device may upload.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { HandoffResponse } from '../../shared/api/index.js';
import { hashToken, randomToken } from '../auth/secrets.js';
import type { ServerContext } from '../context.js';
import type { Database } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { WORKFLOW_TOKEN_PREFIX } from './create-execution.js';
import type { ExecutionRow } from './execution-row.js';
import { PublicUrls } from './urls.js';

/** Long enough to pick up a phone and scan, short enough that a photographed QR code is soon worthless. */
export const HANDOFF_TTL_MS = 10 * 60 * 1000;
/** 9 random bytes → 12 base64url characters (72 bits): short to type, infeasible to guess within the TTL. */
const HANDOFF_CODE_BYTES = 9;

export interface HandoffCodesTable {
  code_hash: string;
  execution_id: string;
  expires_at: string;
  redeemed_at: string | null;
  created_at: string;
}

export interface ExecutionDeviceTokensTable {
  token_hash: string;
  execution_id: string;
  created_at: string;
}

// A type alias, not an interface: kysely's withTables wants an index-signature-compatible record.
export type HandoffTables = {
  handoff_codes: HandoffCodesTable;
  execution_device_tokens: ExecutionDeviceTokensTable;
};

/** The core database with the handoff tables (migration `200_handoff`). */
export function handoffDb(ctx: ServerContext): Kysely<Database & HandoffTables> {
  return ctx.db.withTables<HandoffTables>();
}

export type HandoffFailure = 'UNKNOWN' | 'USED' | 'EXPIRED' | 'EXECUTION_NOT_ACTIVE';

/** Why a handoff link cannot be redeemed; the hosted handoff route renders a page for each reason. */
export class HandoffError extends Error {
  override readonly name = 'HandoffError';
  constructor(
    readonly code: HandoffFailure,
    message: string,
  ) {
    super(message);
  }
}

export async function issueHandoff(ctx: ServerContext, row: ExecutionRow): Promise<HandoffResponse> {
  if (row.status !== 'INITIATED') {
    throw new ApiError(409, 'EXECUTION_NOT_ACTIVE', `Execution is ${row.status}; nothing left to continue`);
  }
  const now = ctx.clock.now();
  const code = randomBytes(HANDOFF_CODE_BYTES).toString('base64url');
  // Never outlives the workflow token it stands in for.
  const expiresAt = new Date(Math.min(now.getTime() + HANDOFF_TTL_MS, Date.parse(row.token_expires_at)));
  await handoffDb(ctx)
    .insertInto('handoff_codes')
    .values({
      code_hash: hashToken(code),
      execution_id: row.id,
      expires_at: expiresAt.toISOString(),
      redeemed_at: null,
      created_at: now.toISOString(),
    })
    .execute();
  return { url: new PublicUrls(ctx.config).handoff(code), expiresAt: expiresAt.toISOString() };
}

export interface RedeemedHandoff {
  /** A fresh workflow token for the same execution, for the phone. */
  token: string;
  locale: string;
  executionId: string;
}

/** Marks the code used (one winner under races) and mints the phone's token. */
export async function redeemHandoff(ctx: ServerContext, code: string): Promise<RedeemedHandoff> {
  const db = handoffDb(ctx);
  const now = ctx.clock.now().toISOString();
  const codeHash = hashToken(code);
  const claimed = await db
    .updateTable('handoff_codes')
    .set({ redeemed_at: now })
    .where('code_hash', '=', codeHash)
    .where('redeemed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) {
    const existing = await db
      .selectFrom('handoff_codes')
      .select(['redeemed_at'])
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    if (!existing) throw new HandoffError('UNKNOWN', 'Unknown handoff link');
    if (existing.redeemed_at) throw new HandoffError('USED', 'This handoff link was already used');
    throw new HandoffError('EXPIRED', 'This handoff link expired');
  }
  const handoff = await db
    .selectFrom('handoff_codes')
    .innerJoin('workflow_executions', 'workflow_executions.id', 'handoff_codes.execution_id')
    .select([
      'workflow_executions.id as id',
      'workflow_executions.status as status',
      'workflow_executions.locale as locale',
      'workflow_executions.token_expires_at as tokenExpiresAt',
    ])
    .where('handoff_codes.code_hash', '=', codeHash)
    .executeTakeFirstOrThrow();
  if (handoff.status !== 'INITIATED' || Date.parse(handoff.tokenExpiresAt) <= Date.parse(now)) {
    throw new HandoffError('EXECUTION_NOT_ACTIVE', 'This verification is no longer open');
  }
  const token = randomToken(WORKFLOW_TOKEN_PREFIX);
  await db
    .insertInto('execution_device_tokens')
    .values({ token_hash: hashToken(token), execution_id: handoff.id, created_at: now })
    .execute();
  return { token, locale: handoff.locale, executionId: handoff.id };
}

/** The execution a handoff (device) token belongs to, if any. */
export async function executionIdOfDeviceToken(
  ctx: ServerContext,
  tokenHash: string,
): Promise<string | undefined> {
  const found = await handoffDb(ctx)
    .selectFrom('execution_device_tokens')
    .select(['execution_id'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return found?.execution_id;
}

/** PII deletion ends every handoff: device tokens stop working, open codes vanish. */
export async function forgetHandoffs(db: Kysely<Database>, executionId: string): Promise<void> {
  const withHandoff = db.withTables<HandoffTables>();
  await withHandoff.deleteFrom('execution_device_tokens').where('execution_id', '=', executionId).execute();
  await withHandoff.deleteFrom('handoff_codes').where('execution_id', '=', executionId).execute();
}
