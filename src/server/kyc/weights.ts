/**
 * The KYC API's weights (issue #16): a client's tuning of the decision, optionally per user of the client, versioned.
 * Every update inserts a new `kyc_weights` row holding the FULL weights (never a patch, never changed afterwards), so
 * the version a past session was decided with (`kyc_sessions.idv_weights_id`) still reads back exactly as it was.
 *
 * Which weights a decision uses: the user's latest version, else the client's latest, else a default version row,
 * created on first use so every decided session records an id. `clients.face_match_threshold` (the workflow API's
 * per-client threshold, set with `idv-server client …`) is the client-level `onboarding_face_encoding_tolerance`:
 * a client-level update writes it too, and when it was changed from the command line since the latest version, the
 * next resolution records a new version with it — one fact, the two APIs never disagree on it.
 *
 * Every field is read by the pipeline (processing-job.ts) or the IDA decision:
 * {@link WEIGHT_FIELDS} documents each with its default and range (docs/kyc-api.md lists the same table).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { DEFAULT_SANCTIONS_TOLERANCE } from '../documents/sanctions.js';
import { DEFAULT_FACE_MATCH_THRESHOLD, FACE_MATCH_THRESHOLD_RANGE } from '../faces/face-match.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import type { ExecutionInput } from '../pipeline/types.js';
import { kycDocumentTypeOf, requiredFieldRules } from './requirements.js';
import { kycDb } from './tables.js';

export interface WeightField {
  /** The value a client that never set it gets (null: the check is off). */
  default: number | null;
  min: number;
  max: number;
  integer: boolean;
  /** Whether null (off) is allowed. */
  nullable: boolean;
  description: string;
}

/** The documented weights: name → default, range and what reads it. */
export const WEIGHT_FIELDS = {
  onboarding_face_encoding_tolerance: {
    default: DEFAULT_FACE_MATCH_THRESHOLD,
    ...FACE_MATCH_THRESHOLD_RANGE,
    integer: false,
    nullable: false,
    description:
      'IDV: selfie ↔ document portrait descriptor distance at and below which the faces match (similarity ' +
      'capability; docs/face-match-calibration.md has FMR / FNMR per value). Falls back to the client’s ' +
      'face_match_threshold.',
  },
  verified_account_face_encoding_tolerance: {
    default: DEFAULT_FACE_MATCH_THRESHOLD,
    ...FACE_MATCH_THRESHOLD_RANGE,
    integer: false,
    nullable: false,
    description:
      'IDA: selfie ↔ the identity’s face template distance at and below which it is the same person.',
  },
  minimum_age: {
    default: null,
    min: 0,
    max: 125,
    integer: true,
    nullable: true,
    description:
      'Data checks: a holder younger than this is REJECTED (UNDERAGE); null: no age check. A session’s own ' +
      'minimum age (settings.minimum_age) wins.',
  },
  sanctions_name_tolerance: {
    default: DEFAULT_SANCTIONS_TOLERANCE,
    min: 0,
    max: 0.5,
    integer: false,
    nullable: false,
    description:
      'Watchlist screening: largest name dissimilarity (0–1) still reported as a possible match (0.15: one ' +
      'wrong letter in a 7-letter name still matches).',
  },
} as const satisfies Record<string, WeightField>;

export type WeightName = keyof typeof WEIGHT_FIELDS;

export interface KycWeights {
  onboarding_face_encoding_tolerance: number;
  verified_account_face_encoding_tolerance: number;
  minimum_age: number | null;
  sanctions_name_tolerance: number;
}

export const WEIGHT_NAMES = Object.keys(WEIGHT_FIELDS) as WeightName[];

export const DEFAULT_WEIGHTS: KycWeights = Object.fromEntries(
  WEIGHT_NAMES.map((name) => [name, WEIGHT_FIELDS[name].default]),
) as unknown as KycWeights;

/** The wire schema of a full set of weights (answers) and of an update (every field optional). */
export const KycWeightsSchema = z
  .object({
    onboarding_face_encoding_tolerance: z.number(),
    verified_account_face_encoding_tolerance: z.number(),
    minimum_age: z.number().int().nullable(),
    sanctions_name_tolerance: z.number(),
  })
  .meta({ id: 'KycWeights' });
/** Ranges are checked by {@link validateWeights} (422 INVALID_WEIGHTS, naming each field), not here. */
export const KycWeightsUpdate = z
  .strictObject({
    onboarding_face_encoding_tolerance: z.number().nullable().optional(),
    verified_account_face_encoding_tolerance: z.number().nullable().optional(),
    minimum_age: z.number().nullable().optional(),
    sanctions_name_tolerance: z.number().nullable().optional(),
  })
  .meta({ id: 'KycWeightsUpdate' });
export type KycWeightsUpdate = z.infer<typeof KycWeightsUpdate>;

/** One version of weights as the API answers it; `id` null only for defaults not yet stored (a read). */
export interface WeightsVersion {
  id: string | null;
  version: number;
  user_id: string | null;
  weights: KycWeights;
  created_at: string | null;
}

/** 422 INVALID_WEIGHTS naming every field out of its range (or of the wrong kind). */
export function validateWeights(update: Partial<Record<WeightName, number | null>>): void {
  const issues: Array<{ path: string; code: string; message: string }> = [];
  for (const [name, value] of Object.entries(update)) {
    const field = (WEIGHT_FIELDS as Record<string, WeightField>)[name];
    if (!field) {
      issues.push({ path: `weights.${name}`, code: 'unknown_weight', message: 'not a weight' });
      continue;
    }
    if (value === undefined) continue;
    if (value === null) {
      if (!field.nullable)
        issues.push({ path: `weights.${name}`, code: 'not_nullable', message: 'cannot be null' });
      continue;
    }
    if (
      !Number.isFinite(value) ||
      value < field.min ||
      value > field.max ||
      (field.integer && !Number.isInteger(value))
    ) {
      issues.push({
        path: `weights.${name}`,
        code: 'out_of_range',
        message: `must be ${field.integer ? 'an integer' : 'a number'} from ${field.min} to ${field.max}`,
      });
    }
  }
  if (issues.length > 0) throw new ApiError(422, 'INVALID_WEIGHTS', 'Weights out of range', issues);
}

type WeightsRow = {
  id: string;
  client_id: string;
  user_id: string | null;
  version: number;
  weights: string;
  created_at: string;
};

function fromRow(row: WeightsRow): WeightsVersion {
  // Filled over the defaults: a field added later reads as its default in versions stored before it existed.
  const stored = JSON.parse(row.weights) as Partial<KycWeights>;
  return {
    id: row.id,
    version: Number(row.version),
    user_id: row.user_id,
    weights: { ...DEFAULT_WEIGHTS, ...stored },
    created_at: row.created_at,
  };
}

async function latestRow(
  ctx: ServerContext,
  clientId: string,
  userId: string | null,
): Promise<WeightsRow | undefined> {
  return kycDb(ctx)
    .selectFrom('kyc_weights')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('user_id', userId === null ? 'is' : '=', userId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

async function clientThreshold(ctx: ServerContext, clientId: string): Promise<number | null> {
  const row = await ctx.db
    .selectFrom('clients')
    .select('face_match_threshold')
    .where('id', '=', clientId)
    .executeTakeFirst();
  return row?.face_match_threshold ?? null;
}

/** What a client that never stored weights has: the documented defaults, with its own face-match threshold. */
export async function clientDefaults(ctx: ServerContext, clientId: string): Promise<KycWeights> {
  const threshold = await clientThreshold(ctx, clientId);
  return {
    ...DEFAULT_WEIGHTS,
    ...(threshold !== null ? { onboarding_face_encoding_tolerance: threshold } : {}),
  };
}

/** Inserts the version after `latest` (the one the weights were derived from). */
async function insertVersion(
  ctx: ServerContext,
  clientId: string,
  userId: string | null,
  latest: WeightsVersion | undefined,
  weights: KycWeights,
): Promise<WeightsVersion> {
  const row: WeightsRow = {
    id: randomUUID(),
    client_id: clientId,
    user_id: userId,
    version: (latest?.id ? latest.version : 0) + 1,
    weights: JSON.stringify(weights),
    created_at: ctx.clock.now().toISOString(),
  };
  await kycDb(ctx).insertInto('kyc_weights').values(row).execute();
  return fromRow(row);
}

/** A unique-index violation (SQLite, PostgreSQL): another writer stored that version number first. */
function isVersionTaken(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Runs `write` (read the latest version, insert the next) again when a concurrent writer took the number: the
 * retry reads that writer's version, so an update builds on it and a default version is stored only once.
 */
async function versioned<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= 5 || !isVersionTaken(error)) throw error;
    }
  }
}

/** The client's latest version, following a face-match threshold changed from the command line since then. */
async function clientVersion(ctx: ServerContext, clientId: string, create: boolean): Promise<WeightsVersion> {
  const stored = await latestRow(ctx, clientId, null);
  const threshold = await clientThreshold(ctx, clientId);
  if (stored) {
    const latest = fromRow(stored);
    if (threshold === null || threshold === latest.weights.onboarding_face_encoding_tolerance) return latest;
    return insertVersion(ctx, clientId, null, latest, {
      ...latest.weights,
      onboarding_face_encoding_tolerance: threshold,
    });
  }
  const defaults = await clientDefaults(ctx, clientId);
  if (create) return insertVersion(ctx, clientId, null, undefined, defaults);
  return { id: null, version: 0, user_id: null, weights: defaults, created_at: null };
}

async function resolve(ctx: ServerContext, clientId: string, userId: string | null, create: boolean) {
  return versioned(async () => {
    const user = userId !== null ? await latestRow(ctx, clientId, userId) : undefined;
    return user ? fromRow(user) : clientVersion(ctx, clientId, create);
  });
}

/**
 * The weights a decision uses now (user's latest, else client's latest, else a default version stored now), always
 * with an id to record in `kyc_sessions.idv_weights_id`.
 */
export async function effectiveWeights(
  ctx: ServerContext,
  clientId: string,
  userId?: string | null,
): Promise<WeightsVersion & { id: string }> {
  return (await resolve(ctx, clientId, userId ?? null, true)) as WeightsVersion & { id: string };
}

/** The weights a read answers: as {@link effectiveWeights}, but defaults not stored yet answer with id null. */
export function currentWeights(
  ctx: ServerContext,
  clientId: string,
  userId?: string | null,
): Promise<WeightsVersion> {
  return resolve(ctx, clientId, userId ?? null, false);
}

/** A stored version of this client's weights; undefined for an unknown id or another client's. */
export async function weightsById(
  ctx: ServerContext,
  clientId: string,
  id: string,
): Promise<WeightsVersion | undefined> {
  const row = await kycDb(ctx)
    .selectFrom('kyc_weights')
    .selectAll()
    .where('id', '=', id)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

/**
 * A new version: the current effective weights of that scope (a user's start from the client's) with `update`
 * applied. Out of range → 422 INVALID_WEIGHTS, nothing stored.
 */
export async function updateWeights(
  ctx: ServerContext,
  clientId: string,
  userId: string | null,
  update: Partial<Record<WeightName, number | null>>,
): Promise<WeightsVersion> {
  validateWeights(update);
  const changes = Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined));
  const version = await versioned(async () => {
    const base = await resolve(ctx, clientId, userId, false);
    // The scope's own latest version numbers the new one (a user's first starts at 1 from the client's weights).
    const latest = base.user_id === userId ? base : undefined;
    return insertVersion(ctx, clientId, userId, latest, { ...base.weights, ...changes } as KycWeights);
  });
  if (userId === null && update.onboarding_face_encoding_tolerance !== undefined) {
    // The workflow API reads the same fact from the client row.
    await ctx.db
      .updateTable('clients')
      .set({ face_match_threshold: version.weights.onboarding_face_encoding_tolerance })
      .where('id', '=', clientId)
      .execute();
  }
  return version;
}

/**
 * What the client's weights and requirements change in a decision of `execution` (the user is the KYC session's
 * `user_id` when it has one): the input fields to set, and the weights version to record on the session.
 */
export async function kycDecisionTuning(
  ctx: ServerContext,
  execution: Pick<ExecutionRow, 'id' | 'client_id' | 'minimum_age' | 'document_type'>,
): Promise<{
  weightsId: string;
  input: Pick<ExecutionInput, 'faceMatch' | 'dataChecks' | 'sanctions'>;
  /** IDA: selfie ↔ the identity's template (`verified_account_face_encoding_tolerance`). */
  identityMatchThreshold: number;
}> {
  const session = await kycDb(ctx)
    .selectFrom('kyc_sessions')
    .select(['user_id', 'document_type'])
    .where('execution_id', '=', execution.id)
    .executeTakeFirst();
  const userId = session?.user_id ?? null;
  const { id, weights } = await effectiveWeights(ctx, execution.client_id, userId);
  // The session's own minimum age (settings.minimum_age / the account's) wins over the client's weight.
  const minimumAge = execution.minimum_age ?? weights.minimum_age;
  const requiredFields = await requiredFieldRules(
    ctx,
    execution.client_id,
    userId,
    kycDocumentTypeOf(session?.document_type, execution.document_type),
  );
  return {
    weightsId: id,
    identityMatchThreshold: weights.verified_account_face_encoding_tolerance,
    input: {
      faceMatch: { threshold: weights.onboarding_face_encoding_tolerance },
      dataChecks: { ...(minimumAge !== null ? { minimumAge } : {}), requiredFields },
      sanctions: { nameTolerance: weights.sanctions_name_tolerance },
    },
  };
}

/** Records on the KYC session (when the execution has one) the weights version its decision used. */
export async function recordSessionWeights(ctx: ServerContext, executionId: string, weightsId: string) {
  await kycDb(ctx)
    .updateTable('kyc_sessions')
    .set({ idv_weights_id: weightsId })
    .where('execution_id', '=', executionId)
    .execute();
}
