/**
 * The credentials API of the API channel beyond single parts: the answer envelope, a document uploaded without a
 * classifier (its pages become FRONT and BACK), deleting all pages, and the customer's credential data (prefill).
 */
import { PDFDocument } from 'pdf-lib';
import type {
  CredentialData,
  CredentialEnvelope,
  PartClassifier,
  UploadedPart,
} from '../../shared/api/index.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { sniffMediaType, validateImage } from '../media/validate-image.js';
import { partLinks } from './create-execution.js';
import { assertExecutionActive, type ExecutionRow, whileExecutionActive } from './execution-row.js';
import { CLASSIFIERS_BY_CATEGORY, type CredentialRecord } from './model.js';
import { PublicUrls } from './urls.js';
import { storePart } from './widget-session.js';

type EnvelopeExtra = Pick<CredentialEnvelope, 'part' | 'parts' | 'data'>;

export function credentialEnvelope(
  ctx: ServerContext,
  row: ExecutionRow,
  credential: CredentialRecord,
  apiToken: string | undefined,
  extra: EnvelopeExtra = {},
): CredentialEnvelope {
  const urls = new PublicUrls(ctx.config);
  return {
    timestamp: ctx.clock.now().toISOString(),
    account: { id: row.account_id },
    workflowExecution: { id: row.id },
    credential: { id: credential.id, category: credential.category },
    ...extra,
    ...(apiToken
      ? {
          api: {
            token: apiToken,
            parts: partLinks(urls, row.account_id, row.id, credential.id, credential.category),
            workflowExecution: urls.execution(row.account_id, row.id),
          },
        }
      : {}),
  };
}

/** Pages of a document in order: a PDF of one or two pages is split into one-page PDFs, images are pages. */
async function pagesOf(files: Uint8Array[]): Promise<Uint8Array[]> {
  if (files.length === 1 && sniffMediaType(files[0] as Uint8Array) === 'application/pdf') {
    // Validated (bounded inflate, active content refused, rewritten to its page pictures) before pdf-lib splits it:
    // pdf-lib itself inflates without a limit.
    const checked = await validateImage(files[0] as Uint8Array, { allowPdf: true });
    const source = await PDFDocument.load(checked.bytes, { updateMetadata: false });
    if (source.getPageCount() === 1) return [checked.bytes];
    const pages: Uint8Array[] = [];
    for (const index of source.getPageIndices()) {
      const page = await PDFDocument.create();
      const [copied] = await page.copyPages(source, [index]);
      page.addPage(copied);
      pages.push(await page.save());
    }
    return pages;
  }
  if (files.some((file) => sniffMediaType(file) === 'application/pdf')) {
    throw new ApiError(422, 'VALIDATION_FAILED', 'Send either images or one PDF, not both');
  }
  return files;
}

/**
 * A document without a classifier: page 1 is FRONT, page 2 BACK (a SELFIE takes one page: FACE). Each page goes
 * through the same validation as a single part upload (a PDF page is rewritten to its pictures there).
 */
export async function storePages(
  ctx: ServerContext,
  row: ExecutionRow,
  credential: CredentialRecord,
  files: Uint8Array[],
): Promise<Array<UploadedPart & { id: string; validity: 'VALID' }>> {
  assertExecutionActive(row);
  if (files.length === 0) throw new ApiError(422, 'MISSING_FILE', 'Multipart field `file` is required');
  const classifiers = CLASSIFIERS_BY_CATEGORY[credential.category];
  const pages = await pagesOf(files);
  if (pages.length > classifiers.length) {
    throw new ApiError(
      422,
      'VALIDATION_FAILED',
      `A ${credential.category} credential takes at most ${classifiers.length} page(s); got ${pages.length}`,
    );
  }
  const stored = [];
  for (const [index, page] of pages.entries()) {
    const classifier = classifiers[index] as PartClassifier;
    const { part, partId } = await storePart(ctx, row, { credential, classifier }, page);
    stored.push({ id: partId, validity: 'VALID' as const, ...part });
  }
  return stored;
}

/** Removes every part of a credential ("delete all pages"); answers how many were removed. */
export async function removeAllParts(
  ctx: ServerContext,
  row: ExecutionRow,
  credential: CredentialRecord,
): Promise<number> {
  assertExecutionActive(row);
  const removed = await whileExecutionActive(ctx, row.id, async (trx) => {
    const found = await trx
      .selectFrom('parts')
      .select(['blob_key'])
      .where('credential_id', '=', credential.id)
      .execute();
    await trx.deleteFrom('parts').where('credential_id', '=', credential.id).execute();
    return found;
  });
  for (const part of removed) await ctx.blobs.delete(part.blob_key);
  return removed.length;
}

/** Stores (PUT: replaces; POST: merges into) the customer's credential data while the execution is open. */
export async function storeCredentialData(
  ctx: ServerContext,
  row: ExecutionRow,
  credential: CredentialRecord,
  data: CredentialData,
  mode: 'replace' | 'merge',
): Promise<CredentialData> {
  assertExecutionActive(row);
  if (credential.category === 'FACEMAP') {
    throw new ApiError(422, 'VALIDATION_FAILED', 'A FACEMAP credential takes no credential data');
  }
  return whileExecutionActive(ctx, row.id, async (trx) => {
    const current = await trx
      .selectFrom('credentials')
      .select(['prefill'])
      .where('id', '=', credential.id)
      .executeTakeFirstOrThrow();
    const merged: CredentialData =
      mode === 'merge' && current.prefill
        ? { ...(JSON.parse(current.prefill) as CredentialData), ...data }
        : data;
    await trx
      .updateTable('credentials')
      .set({ prefill: JSON.stringify(merged) })
      .where('id', '=', credential.id)
      .execute();
    return merged;
  });
}
