/**
 * Short-lived signed links to the PDF report (the vendor's "presigned URL", served by us): HMAC-SHA256 over the
 * execution id and the expiry, keyed with a random server key kept in the database so every node checks the links
 * every other node signed. A link with a bad signature answers 403 `REPORT_LINK_INVALID`; a genuine link past its
 * expiry answers 410 `REPORT_LINK_EXPIRED` (checked in that order, so a forged expiry is a bad signature).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { PublicUrls } from '../executions/urls.js';

/** Long enough to open the link from the answer, short enough that a leaked link is soon worthless. */
export const REPORT_LINK_TTL_SECONDS = 10 * 60;
const KEY_NAME = 'report-links';

async function signingKey(ctx: ServerContext): Promise<Buffer> {
  // First use creates the key; concurrent first uses agree on the row that won.
  await ctx.db
    .insertInto('server_keys')
    .values({
      name: KEY_NAME,
      secret: randomBytes(32).toString('base64'),
      created_at: ctx.clock.now().toISOString(),
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await ctx.db
    .selectFrom('server_keys')
    .select(['secret'])
    .where('name', '=', KEY_NAME)
    .executeTakeFirstOrThrow();
  return Buffer.from(row.secret, 'base64');
}

function signature(key: Buffer, executionId: string, expires: number): Buffer {
  return createHmac('sha256', key).update(`report\n${executionId}\n${expires}`).digest();
}

export async function signReportLink(
  ctx: ServerContext,
  executionId: string,
): Promise<{ presignedUrl: string; expiresAt: string }> {
  const expires = Math.floor(ctx.clock.now().getTime() / 1000) + REPORT_LINK_TTL_SECONDS;
  const mac = signature(await signingKey(ctx), executionId, expires).toString('base64url');
  return {
    presignedUrl: new PublicUrls(ctx.config).report(executionId, expires, mac),
    expiresAt: new Date(expires * 1000).toISOString(),
  };
}

export async function verifyReportLink(
  ctx: ServerContext,
  executionId: string,
  expires: string | undefined,
  presented: string | undefined,
): Promise<void> {
  const invalid = () =>
    new ApiError(403, 'REPORT_LINK_INVALID', 'The report link is not valid; ask for a new one');
  if (!expires || !/^\d{1,12}$/.test(expires) || !presented) throw invalid();
  const expected = signature(await signingKey(ctx), executionId, Number(expires));
  const given = Buffer.from(presented, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  if (ctx.clock.now().getTime() >= Number(expires) * 1000) {
    throw new ApiError(410, 'REPORT_LINK_EXPIRED', 'The report link expired; ask for a new one');
  }
}
