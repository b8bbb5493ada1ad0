/**
 * Which capabilities each workflow requires, and how their results make one decision. The one table of
 * docs/decision.md: change both together (a test compares them).
 *
 * No pass without evidence: an execution is PASSED only when every required capability ran and passed. A required
 * capability that did not run (for any reason) or warned makes it WARNING at best; any REJECTED result (required or
 * not) makes it REJECTED. Capabilities a workflow implies but this server cannot perform (they need third-party data
 * sources) are reported NOT_EXECUTED / NOT_SUPPORTED and are not required, so they neither pass nor block.
 */
import {
  AUTHENTICATION_DEFINITION_KEY,
  type CapabilityResult,
  type DecisionType,
  type PipelineDefinitionKey,
} from './types.js';

export { AUTHENTICATION_DEFINITION_KEY, type PipelineDefinitionKey };

export type CapabilityName =
  | 'usability'
  | 'imageChecks'
  | 'extraction'
  | 'dataChecks'
  | 'liveness'
  | 'similarity'
  | 'watchlistScreening'
  | 'proofOfResidency'
  | 'drivingLicenseVerification';

export interface WorkflowRequirements {
  /** Every one must run and pass for PASSED, in the order the decision reports them. */
  required: readonly CapabilityName[];
  /** Implied by the workflow description, not performed by a self-hosted server: NOT_EXECUTED / NOT_SUPPORTED. */
  notSupported: readonly CapabilityName[];
}

/**
 * In the order the decision's label is taken from: what the images are (a document? a face?) before how good they
 * are, so noise or a blank page is labelled as such rather than as blurred.
 */
const DOCUMENT_AND_IDENTITY: readonly CapabilityName[] = [
  'imageChecks',
  'usability',
  'extraction',
  'dataChecks',
  'liveness',
  'similarity',
];

export const WORKFLOW_REQUIREMENTS: Readonly<Record<PipelineDefinitionKey, WorkflowRequirements>> = {
  // Standalone ID and identity verification: ID, selfie and facemap (passive liveness by default).
  10011: { required: DOCUMENT_AND_IDENTITY, notSupported: [] },
  // ID and identity verification with screening: the same plus the sanctions list the operator provides.
  10013: {
    required: [...DOCUMENT_AND_IDENTITY, 'watchlistScreening'],
    notSupported: ['proofOfResidency', 'drivingLicenseVerification'],
  },
  // Authentication of a verified identity: a good selfie, a passed liveness challenge bound to it, and the selfie's
  // face against the identity's stored template (./identity-similarity.ts). No document.
  [AUTHENTICATION_DEFINITION_KEY]: { required: ['usability', 'liveness', 'similarity'], notSupported: [] },
};

/** Label of a required capability that produced no result at all (not in the pipeline's capability list). */
export const NOT_RUN_LABEL = 'NOT_EXECUTED';

export interface AggregateDecision {
  type: DecisionType;
  details: { label: string; capability?: string };
}

/**
 * The execution's decision from the capability results (keyed by capability name):
 * 1. any REJECTED result → REJECTED, labelled by the first rejection in the table's order (then other capabilities);
 * 2. else any required capability without results, with a NOT_EXECUTED or a WARNING result, or any other WARNING
 *    → WARNING, labelled by the first such result;
 * 3. else, when every required capability has results and all of them PASSED → PASSED `OK`;
 * 4. nothing executed at all → NOT_EXECUTED.
 */
export function aggregateDecision(
  requirements: WorkflowRequirements,
  byName: Readonly<Record<string, readonly CapabilityResult[]>>,
): AggregateDecision {
  const order = [
    ...requirements.required,
    ...Object.keys(byName).filter((name) => !requirements.required.includes(name as CapabilityName)),
  ];
  const first = (type: DecisionType, names: readonly string[]) => {
    for (const name of names) {
      const hit = byName[name]?.find((r) => r.decision.type === type);
      if (hit) return { type, details: { label: hit.decision.details.label, capability: name } };
    }
    return undefined;
  };
  const rejected = first('REJECTED', order);
  if (rejected) return rejected;
  for (const name of requirements.required) {
    const results = byName[name] ?? [];
    if (results.length === 0) return { type: 'WARNING', details: { label: NOT_RUN_LABEL, capability: name } };
    const weak = results.find((r) => r.decision.type !== 'PASSED');
    if (weak) return { type: 'WARNING', details: { label: weak.decision.details.label, capability: name } };
  }
  const warning = first('WARNING', order);
  if (warning) return warning;
  const all = Object.values(byName).flat();
  if (requirements.required.length > 0 || all.some((r) => r.decision.type === 'PASSED')) {
    return { type: 'PASSED', details: { label: 'OK' } };
  }
  return { type: 'NOT_EXECUTED', details: { label: NOT_RUN_LABEL } };
}

/**
 * Risk score 0–100, higher is riskier, in bands that keep the decisions ordered:
 * PASSED 0–39, WARNING 40–79, REJECTED 80–100, NOT_EXECUTED 50 (nothing known, mid-scale).
 * Within a band, with R = REJECTED results, W = WARNING results + required capabilities that did not pass or run
 * (NOT_EXECUTED or missing), S = NOT_EXECUTED results of capabilities that are not required:
 *   REJECTED = 80 + 10·(R − 1) + 5·W + 3·S, capped at 100;
 *   WARNING  = 40 + 5·(W − 1) + 3·S, capped at 79;
 *   PASSED   = 3·S, capped at 39 (every check not performed is assurance not given).
 */
export function riskScore(
  type: DecisionType,
  requirements: WorkflowRequirements,
  byName: Readonly<Record<string, readonly CapabilityResult[]>>,
): number {
  if (type === 'NOT_EXECUTED') return 50;
  const required = new Set<string>(requirements.required);
  let rejected = 0;
  let warnings = 0;
  let skipped = 0;
  for (const name of new Set([...Object.keys(byName), ...requirements.required])) {
    const results = byName[name] ?? [];
    if (results.length === 0 && required.has(name)) warnings += 1;
    for (const r of results) {
      if (r.decision.type === 'REJECTED') rejected += 1;
      else if (r.decision.type === 'WARNING') warnings += 1;
      else if (r.decision.type === 'NOT_EXECUTED') {
        if (required.has(name)) warnings += 1;
        else skipped += 1;
      }
    }
  }
  if (type === 'REJECTED') return Math.min(100, 80 + 10 * (rejected - 1) + 5 * warnings + 3 * skipped);
  if (type === 'WARNING') return Math.min(79, 40 + 5 * (warnings - 1) + 3 * skipped);
  return Math.min(39, 3 * skipped);
}
