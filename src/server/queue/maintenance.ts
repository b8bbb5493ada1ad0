/**
 * Periodic data hygiene, run as a job on the shared queue (one node per time slot):
 *
 * - Retention: a client with `retention_days` has the PII of executions older than that deleted (images, extracted
 *   data, references — the same wipe as the DELETE API; the decision stays), one audit row per execution.
 * - Purge: finished jobs (done / failed) and settled webhook deliveries (delivered / failed / disabled) older than
 *   `IDV_PURGE_AFTER_DAYS` are deleted, one audit row per purge with the count.
 *
 * Both are counted in `/metrics` from the audit table, so the numbers are the cluster's, not one node's.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ClientNotFoundError } from '../auth/clients.js';
import type { ServerContext } from '../context.js';
import type { IdvDatabase } from '../db/schema.js';
import { wipeExecution } from '../executions/retrieval.js';
import type { QueueTables } from './migrations.js';

export const JOB_SWEEP_EXPIRED = 'sweep-expired';
export const JOB_PURGE_AND_RETENTION = 'purge-and-retention';

const DAY_MS = 86_400_000;
/** Executions wiped per client per run; the next run (an hour later) continues. */
const RETENTION_BATCH = 500;

/** `idv-server client set-retention`: days, or null to keep executions until they are deleted. */
export async function setRetentionDays(
  db: IdvDatabase,
  clientId: string,
  days: number | null,
): Promise<void> {
  const result = await db
    .updateTable('clients')
    .set({ retention_days: days })
    .where('id', '=', clientId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new ClientNotFoundError(`no client ${clientId}`);
}

export interface MaintenanceResult {
  wipedExecutions: number;
  purgedJobs: number;
  purgedDeliveries: number;
}

export async function purgeAndApplyRetention(ctx: ServerContext): Promise<MaintenanceResult> {
  const wipedExecutions = await applyRetention(ctx);
  const { purgedJobs, purgedDeliveries } = await purgeFinishedWork(ctx);
  return { wipedExecutions, purgedJobs, purgedDeliveries };
}

/** Wipes the PII of executions past their client's retention; returns how many. Idempotent. */
export async function applyRetention(ctx: ServerContext): Promise<number> {
  const now = ctx.clock.now();
  const clients = await ctx.db
    .selectFrom('clients')
    .select(['id', 'retention_days'])
    .where('retention_days', 'is not', null)
    .execute();
  let wiped = 0;
  for (const client of clients) {
    const cutoff = new Date(now.getTime() - Number(client.retention_days) * DAY_MS).toISOString();
    const rows = await ctx.db
      .selectFrom('workflow_executions')
      .selectAll()
      .where('client_id', '=', client.id)
      .where('created_at', '<', cutoff)
      .where('wiped_out_at', 'is', null)
      .limit(RETENTION_BATCH)
      .execute();
    for (const row of rows) {
      await wipeExecution(ctx, row);
      await audit(ctx, { action: 'pii-wiped', client_id: client.id, execution_id: row.id, count: 1 });
      wiped += 1;
    }
  }
  if (wiped > 0) ctx.logger.info({ wipedExecutions: wiped }, 'retention applied');
  return wiped;
}

/** Deletes finished jobs and settled deliveries older than the purge age; returns the counts. */
export async function purgeFinishedWork(
  ctx: ServerContext,
): Promise<{ purgedJobs: number; purgedDeliveries: number }> {
  const cutoff = new Date(ctx.clock.now().getTime() - ctx.config.purgeAfterDays * DAY_MS).toISOString();
  const db = ctx.db as unknown as Kysely<QueueTables>;
  const jobs = await db
    .deleteFrom('jobs')
    .where('status', 'in', ['done', 'failed'])
    .where('updated_at', '<', cutoff)
    .executeTakeFirst();
  const deliveries = await db
    .deleteFrom('webhook_deliveries')
    .where('status', 'in', ['delivered', 'failed', 'disabled'])
    .where('created_at', '<', cutoff)
    .executeTakeFirst();
  const purgedJobs = Number(jobs.numDeletedRows);
  const purgedDeliveries = Number(deliveries.numDeletedRows);
  if (purgedJobs > 0) await audit(ctx, { action: 'jobs-purged', count: purgedJobs });
  if (purgedDeliveries > 0) await audit(ctx, { action: 'deliveries-purged', count: purgedDeliveries });
  return { purgedJobs, purgedDeliveries };
}

async function audit(
  ctx: ServerContext,
  entry: {
    action: 'pii-wiped' | 'jobs-purged' | 'deliveries-purged';
    client_id?: string;
    execution_id?: string;
    count: number;
  },
): Promise<void> {
  await ctx.db
    .insertInto('retention_audit')
    .values({
      id: `aud_${randomUUID()}`,
      action: entry.action,
      client_id: entry.client_id ?? null,
      execution_id: entry.execution_id ?? null,
      count: entry.count,
      created_at: ctx.clock.now().toISOString(),
    })
    .execute();
}

/** Cluster-wide numbers for `/metrics`: queue depth by kind and status, deliveries by status, retention and purges. */
export async function queueMetrics(ctx: ServerContext): Promise<string> {
  const db = ctx.db as unknown as Kysely<QueueTables>;
  const jobs = await db
    .selectFrom('jobs')
    .select(['kind', 'status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['kind', 'status'])
    .execute();
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  const audits = await ctx.db
    .selectFrom('retention_audit')
    .select(['action', (eb) => eb.fn.sum<string>('count').as('n')])
    .groupBy('action')
    .execute();
  const total = (action: string) => Number(audits.find((a) => a.action === action)?.n ?? 0);
  const lines = [
    '# HELP idv_jobs Jobs on the shared queue by kind and status (all nodes).',
    '# TYPE idv_jobs gauge',
    ...jobs.map((j) => `idv_jobs{kind="${j.kind}",status="${j.status}"} ${Number(j.n)}`),
    '# HELP idv_webhook_deliveries Webhook messages by status (all nodes).',
    '# TYPE idv_webhook_deliveries gauge',
    ...deliveries.map((d) => `idv_webhook_deliveries{status="${d.status}"} ${Number(d.n)}`),
    '# HELP idv_retention_wiped_executions_total Executions whose PII retention deleted.',
    '# TYPE idv_retention_wiped_executions_total counter',
    `idv_retention_wiped_executions_total ${total('pii-wiped')}`,
    '# HELP idv_purged_jobs_total Finished jobs purged.',
    '# TYPE idv_purged_jobs_total counter',
    `idv_purged_jobs_total ${total('jobs-purged')}`,
    '# HELP idv_purged_webhook_deliveries_total Settled webhook deliveries purged.',
    '# TYPE idv_purged_webhook_deliveries_total counter',
    `idv_purged_webhook_deliveries_total ${total('deliveries-purged')}`,
  ];
  return `${lines.join('\n')}\n`;
}
