/**
 * Seeded executions for the ID-proofing search tests and bench: rows shaped exactly as the pipeline writes them
 * (decision and capability JSON, parts with upload times), without running OCR and face models for each. What
 * varies is what varies in production: lifecycle status, decisions per capability, face-match scores across the
 * whole range, creation times over three months, references present or not, some PII deleted.
 */
import type { Kysely } from 'kysely';

/** Small deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, weighted: Array<[T, number]>): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of weighted) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return weighted[weighted.length - 1][0];
}

export interface SeedOptions {
  clientId: string;
  count: number;
  seed?: number;
  /** Creation times are spread over the 90 days before this instant. */
  now?: Date;
  /** Id prefix, so several clients' rows never collide. */
  prefix?: string;
}

export interface SeededExecution {
  id: string;
  accountId: string;
  status: string;
  decision: string | null;
  faceMatchScore: number | null;
  createdAt: string;
  customerInternalReference: string | null;
}

const DAY_MS = 86_400_000;

// biome-ignore lint/suspicious/noExplicitAny: seeds whatever schema the migrations made
export async function seedExecutions(db: Kysely<any>, options: SeedOptions): Promise<SeededExecution[]> {
  const random = seededRandom(options.seed ?? 1);
  const now = options.now ?? new Date('2026-03-01T10:00:00Z');
  const prefix = options.prefix ?? options.clientId;
  const seeded: SeededExecution[] = [];
  const accounts: Record<string, unknown>[] = [];
  const executions: Record<string, unknown>[] = [];
  const credentials: Record<string, unknown>[] = [];
  const parts: Record<string, unknown>[] = [];
  for (let n = 0; n < options.count; n += 1) {
    const id = `${prefix}-x${String(n).padStart(6, '0')}`;
    const accountId = `${prefix}-a${String(Math.floor(n / 2)).padStart(6, '0')}`;
    if (n % 2 === 0) {
      accounts.push({
        id: accountId,
        client_id: options.clientId,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        wiped_out_at: null,
      });
    }
    const created = new Date(now.getTime() - Math.floor(random() * 90 * DAY_MS));
    const status = pick(random, [
      ['PROCESSED', 70],
      ['INITIATED', 12],
      ['ACQUIRED', 3],
      ['SESSION_EXPIRED', 8],
      ['TOKEN_EXPIRED', 7],
    ]);
    const processed = status === 'PROCESSED';
    const wiped = processed && random() < 0.05;
    const at = (minutes: number) => new Date(created.getTime() + minutes * 60_000).toISOString();
    const imageChecks = pick(random, [
      ['PASSED', 80],
      ['REJECTED', 10],
      ['WARNING', 10],
    ]);
    const dataChecks = pick(random, [
      ['PASSED', 75],
      ['REJECTED', 10],
      ['WARNING', 5],
      ['NOT_EXECUTED', 10],
    ]);
    const liveness = pick(random, [
      ['PASSED', 85],
      ['REJECTED', 10],
      ['NOT_EXECUTED', 5],
    ]);
    const facePossible = random() < 0.93;
    // Bimodal like real pairs: most selfies match their document (high scores), some do not.
    const score = facePossible
      ? Math.round((random() < 0.85 ? 78 + random() * 22 : random() * 78) * 10) / 10
      : null;
    const similarity = score === null ? 'NOT_EXECUTED' : score >= 80 ? 'PASSED' : 'REJECTED';
    const results = [imageChecks, dataChecks, liveness, similarity];
    const decision = results.includes('REJECTED')
      ? 'REJECTED'
      : results.includes('WARNING') || results.includes('NOT_EXECUTED')
        ? 'WARNING'
        : 'PASSED';
    const idCredential = `${id}-c1`;
    const selfieCredential = `${id}-c2`;
    const capability = (type: string, data?: Record<string, unknown>) => [
      {
        id: `${id}-${type}`,
        credentials: [{ id: idCredential, category: 'ID' }],
        decision: { type, details: { label: type === 'PASSED' ? 'OK' : 'CHECK' } },
        ...(data && !wiped ? { data } : {}),
      },
    ];
    const documentType = pick(random, [
      ['ID_CARD', 50],
      ['PASSPORT', 30],
      ['DRIVING_LICENSE', 20],
    ]);
    const classified = processed || status === 'ACQUIRED' || random() < 0.3;
    const reference = random() < 0.8 ? `order-${Math.floor(random() * 1e6)}` : null;
    executions.push({
      id,
      account_id: accountId,
      client_id: options.clientId,
      definition_key: random() < 0.7 ? 10011 : 10013,
      status,
      customer_internal_reference: wiped ? null : reference,
      user_reference: wiped ? null : `user-${n}`,
      locale: 'en',
      liveness_mode: 'passive',
      token_expires_at: at(30),
      consent_given: status === 'INITIATED' ? 0 : 1,
      document_type: classified ? documentType : null,
      document_country: classified
        ? pick(random, [
            ['DEU', 3],
            ['USA', 3],
            ['FRA', 1],
            ['GBR', 1],
          ])
        : null,
      decision: processed
        ? JSON.stringify({
            type: decision,
            details: { label: decision === 'PASSED' ? 'OK' : 'CHECK' },
            risk: { score: Math.round(random() * 1000) / 10 },
          })
        : null,
      capabilities: processed
        ? JSON.stringify({
            imageChecks: capability(imageChecks),
            dataChecks: capability(dataChecks),
            liveness: capability(liveness),
            similarity: capability(similarity, score === null ? { faces: 0 } : { score, distance: 0.4 }),
          })
        : null,
      created_at: created.toISOString(),
      started_at: status === 'INITIATED' && random() < 0.5 ? null : at(1),
      acquired_at: processed || status === 'ACQUIRED' ? at(4) : null,
      completed_at: processed ? at(5) : null,
      wiped_out_at: wiped ? at(60) : null,
    });
    if (processed || status === 'ACQUIRED') {
      credentials.push(
        { id: idCredential, execution_id: id, category: 'ID', position: 0 },
        { id: selfieCredential, execution_id: id, category: 'SELFIE', position: 1 },
      );
      if (!wiped) {
        const uploads: Array<[string, string, number]> = [
          [idCredential, 'FRONT', 2],
          [selfieCredential, 'FACE', 3],
        ];
        if (documentType !== 'PASSPORT') uploads.push([idCredential, 'BACK', 2.5]);
        for (const [credentialId, classifier, minute] of uploads) {
          parts.push({
            credential_id: credentialId,
            classifier,
            execution_id: id,
            blob_key: `executions/${id}/${classifier}`,
            mime: 'image/jpeg',
            width: 1200,
            height: 800,
            bytes: 100_000,
            sha256: '0'.repeat(64),
            uploaded_at: at(minute),
          });
        }
      }
    }
    seeded.push({
      id,
      accountId,
      status: wiped ? 'WIPED_OUT' : status,
      decision: processed ? decision : null,
      faceMatchScore: processed && score !== null && !wiped ? Math.round(score) : null,
      createdAt: created.toISOString(),
      customerInternalReference: wiped ? null : reference,
    });
  }
  // Batches stay under SQLite's bound-parameter limit.
  const insert = async (table: string, rows: Record<string, unknown>[]) => {
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto(table)
        .values(rows.slice(i, i + 500))
        .execute();
  };
  await insert('accounts', accounts);
  await insert('workflow_executions', executions);
  await insert('credentials', credentials);
  await insert('parts', parts);
  return seeded;
}
