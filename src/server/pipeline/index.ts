/**
 * The verification pipeline: runs capabilities in order on a finalized execution and aggregates one decision.
 *
 * Capabilities the workflow implies but this server does not perform are reported as `NOT_EXECUTED` with a label
 * saying why (`NOT_SUPPORTED`: out of scope for a self-hosted server; `NOT_IMPLEMENTED`: planned, not built yet;
 * `NOT_REQUESTED`: the workflow does not ask for it, e.g. liveness outside 10013),
 * so a customer never mistakes a skipped check for a passed one. A placeholder disappears by itself once a
 * capability of that name is added to the list.
 */
import { randomUUID } from 'node:crypto';
import type {
  Capability,
  CapabilityResult,
  CredentialCategory,
  DecisionType,
  ExecutionDecision,
  ExecutionInput,
} from './types.js';
import { livenessCapability } from './liveness.js';
import { similarityCapability } from './similarity.js';
import { usabilityCapability } from './usability.js';

export type {
  Capability,
  CapabilityResult,
  CredentialCategory,
  DecisionType,
  ExecutionDecision,
  ExecutionInput,
  LivenessEvidence,
  StoredPart,
} from './types.js';
export { livenessCapability } from './liveness.js';
export { similarityCapability } from './similarity.js';
export {
  assessUsability,
  type UsabilityIssue,
  type UsabilityLabel,
  usabilityCapability,
} from './usability.js';

/** Capabilities run by default, in order. */
export const DEFAULT_CAPABILITIES: readonly Capability[] = [
  usabilityCapability,
  livenessCapability,
  similarityCapability,
];

interface UnperformedCapability {
  name: string;
  label: 'NOT_SUPPORTED' | 'NOT_IMPLEMENTED' | 'NOT_REQUESTED';
  /** Credentials the capability would have looked at. */
  categories: CredentialCategory[];
}

/** Implied by both workflows (ID + identity verification) and not built yet. */
const PLANNED: UnperformedCapability[] = [
  { name: 'imageChecks', label: 'NOT_IMPLEMENTED', categories: ['ID'] },
  { name: 'extraction', label: 'NOT_IMPLEMENTED', categories: ['ID'] },
  { name: 'dataChecks', label: 'NOT_IMPLEMENTED', categories: ['ID'] },
  { name: 'similarity', label: 'NOT_IMPLEMENTED', categories: ['ID', 'SELFIE'] },
];

/** Only 10013 has a liveness step; the `liveness` capability answers nothing for 10011, so this says why. */
const LIVENESS_NOT_REQUESTED: UnperformedCapability = {
  name: 'liveness',
  label: 'NOT_REQUESTED',
  categories: ['SELFIE', 'FACEMAP'],
};

/** Part of workflow 10013 that need third-party data sources a self-hosted server does not have. */
const OUT_OF_SCOPE_10013: UnperformedCapability[] = [
  { name: 'watchlistScreening', label: 'NOT_SUPPORTED', categories: ['ID'] },
  { name: 'proofOfResidency', label: 'NOT_SUPPORTED', categories: [] },
  { name: 'drivingLicenseVerification', label: 'NOT_SUPPORTED', categories: ['ID'] },
];

export function unperformedCapabilities(definitionKey: 10011 | 10013): UnperformedCapability[] {
  return definitionKey === 10013 ? [...PLANNED, ...OUT_OF_SCOPE_10013] : [...PLANNED, LIVENESS_NOT_REQUESTED];
}

/** A capability crashed (not a verdict about the user): the caller retries the whole execution later. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  readonly code = 'CAPABILITY_FAILED';
  constructor(
    readonly capability: string,
    options: { cause: unknown },
  ) {
    super(`capability ${capability} failed`, options);
  }
}

export async function runPipeline(
  input: ExecutionInput,
  capabilities: readonly Capability[] = DEFAULT_CAPABILITIES,
): Promise<ExecutionDecision> {
  const byName: Record<string, CapabilityResult[]> = {};
  for (const capability of capabilities) {
    let results: CapabilityResult[];
    try {
      results = await capability.run(input);
    } catch (cause) {
      throw new PipelineError(capability.name, { cause });
    }
    // A capability with nothing to say (e.g. liveness outside 10013) leaves its name to the placeholder below.
    if (results.length > 0) byName[capability.name] = [...(byName[capability.name] ?? []), ...results];
  }
  for (const skipped of unperformedCapabilities(input.definitionKey)) {
    if (byName[skipped.name]) continue;
    byName[skipped.name] = [
      {
        id: randomUUID(),
        credentials: input.credentials
          .filter((c) => skipped.categories.includes(c.category))
          .map((c) => ({ id: c.id, category: c.category })),
        decision: { type: 'NOT_EXECUTED', details: { label: skipped.label } },
      },
    ];
  }
  const all = Object.values(byName).flat();
  const decision = aggregateDecision(all);
  return { decision: { ...decision, risk: { score: riskScore(decision.type, all) } }, capabilities: byName };
}

/**
 * Any REJECTED → REJECTED (labelled by the first rejection); else any WARNING → WARNING; else PASSED when at least
 * one result passed; only NOT_EXECUTED results → NOT_EXECUTED.
 */
export function aggregateDecision(results: readonly CapabilityResult[]): {
  type: DecisionType;
  details: { label: string };
} {
  for (const type of ['REJECTED', 'WARNING'] as const) {
    const first = results.find((r) => r.decision.type === type);
    if (first) return { type, details: { label: first.decision.details.label } };
  }
  if (results.some((r) => r.decision.type === 'PASSED')) return { type: 'PASSED', details: { label: 'OK' } };
  return { type: 'NOT_EXECUTED', details: { label: 'NOT_EXECUTED' } };
}

/**
 * Risk score 0–100, higher is riskier, in bands that keep the decisions ordered:
 * PASSED 0–39, WARNING 40–79, REJECTED 80–100, NOT_EXECUTED 50 (unknown, mid-scale).
 * Within a band: +10 per REJECTED result beyond the first, +5 per WARNING beyond the first (or +5 each in a
 * REJECTED band), +3 per NOT_EXECUTED result (every unperformed check is assurance not given), capped at the band top.
 */
export function riskScore(type: DecisionType, results: readonly CapabilityResult[]): number {
  if (type === 'NOT_EXECUTED') return 50;
  const count = (t: DecisionType) => results.filter((r) => r.decision.type === t).length;
  const rejected = count('REJECTED');
  const warnings = count('WARNING');
  const skipped = count('NOT_EXECUTED');
  const bands = { PASSED: [0, 39], WARNING: [40, 79], REJECTED: [80, 100] } as const;
  const [floor, ceiling] = bands[type];
  const extra =
    type === 'REJECTED'
      ? 10 * (rejected - 1) + 5 * warnings + 3 * skipped
      : type === 'WARNING'
        ? 5 * (warnings - 1) + 3 * skipped
        : 3 * skipped;
  return Math.min(ceiling, floor + extra);
}
