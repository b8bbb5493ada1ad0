/** The workflow execution row and the guard every evidence write goes through. */
import { webcrypto } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import type { ServerContext } from '../context.js';
import type { Database, WorkflowExecutionsTable } from '../db/schema.js';
import { ApiError } from '../errors.js';

export type ExecutionRow = Selectable<WorkflowExecutionsTable>;

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

/** Hex sha256, hashed on the thread pool (WebCrypto) so a 15 MB blob does not hold the event loop. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}
