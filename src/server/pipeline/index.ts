/**
 * The verification pipeline: runs the capabilities on a finalized execution and decides, by the rules and the
 * per-workflow table of ./requirements.ts (docs/decision.md).
 *
 * Every capability the workflow names appears in the result: one that did not run is reported as `NOT_EXECUTED`
 * with a label saying why (`NOT_SUPPORTED`: out of scope for a self-hosted server; `NOT_PERFORMED`: required but it
 * answered nothing), so a customer never mistakes a skipped check for a passed one, and a required one that did not
 * run keeps the execution from passing.
 */
import { randomUUID } from 'node:crypto';
import type {
  Capability,
  CapabilityResult,
  CredentialCategory,
  ExecutionDecision,
  ExecutionInput,
} from './types.js';
import type { ServerConfig } from '../config.js';
import type { DocumentReaders } from '../documents/document-analysis.js';
import { sanctionsScreener, serverDocumentReaders } from '../documents/readers.js';
import { dataChecksCapability } from './data-checks.js';
import { extractionCapability } from './extraction.js';
import { identitySimilarityCapability } from './identity-similarity.js';
import { imageChecksCapability } from './image-checks.js';
import { livenessCapability } from './liveness.js';
import {
  aggregateDecision,
  type CapabilityName,
  riskScore,
  WORKFLOW_REQUIREMENTS,
  type WorkflowRequirements,
} from './requirements.js';
import { similarityCapability } from './similarity.js';
import { usabilityCapability } from './usability.js';
import { watchlistCapability } from './watchlist.js';

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
export { dataChecksCapability } from './data-checks.js';
export { extractionCapability } from './extraction.js';
export { identitySimilarityCapability } from './identity-similarity.js';
export { imageChecksCapability } from './image-checks.js';
export { livenessCapability } from './liveness.js';
export { watchlistCapability, type WatchlistScreener } from './watchlist.js';
export {
  type AggregateDecision,
  AUTHENTICATION_DEFINITION_KEY,
  aggregateDecision,
  type CapabilityName,
  type PipelineDefinitionKey,
  riskScore,
  WORKFLOW_REQUIREMENTS,
  type WorkflowRequirements,
} from './requirements.js';
export { similarityCapability } from './similarity.js';
export {
  assessUsability,
  type UsabilityIssue,
  type UsabilityLabel,
  usabilityCapability,
} from './usability.js';

/**
 * The capabilities the server runs, with the real document readers (OCR, barcode, face detection; all loaded on
 * first use) and the operator's sanctions list when configured.
 */
export function pipelineCapabilities(
  config: Pick<ServerConfig, 'sanctionsListPath'>,
  readers: DocumentReaders = serverDocumentReaders,
): Capability[] {
  return [
    usabilityCapability,
    imageChecksCapability(readers),
    extractionCapability(readers),
    dataChecksCapability(readers),
    livenessCapability,
    similarityCapability,
    watchlistCapability(readers, sanctionsScreener(config.sanctionsListPath)),
  ];
}

/**
 * The capabilities of returning-user authentication (definition 10090): the selfie's usability, the liveness
 * challenge bound to it, and the selfie against the identity's template (`input.identityMatch`, whose threshold is the
 * `verified_account_face_encoding_tolerance` weight). No document, so no image checks, extraction or data checks.
 */
export function authenticationCapabilities(): Capability[] {
  return [usabilityCapability, livenessCapability, identitySimilarityCapability];
}

/** Credentials a capability looks at, for the placeholder of one that did not run. */
const CAPABILITY_CATEGORIES: Record<CapabilityName, CredentialCategory[]> = {
  usability: ['ID', 'SELFIE'],
  imageChecks: ['ID', 'SELFIE'],
  extraction: ['ID'],
  dataChecks: ['ID'],
  liveness: ['SELFIE', 'FACEMAP'],
  similarity: ['ID', 'SELFIE'],
  watchlistScreening: ['ID'],
  proofOfResidency: [],
  drivingLicenseVerification: ['ID'],
};

/** Label of a required capability that answered nothing (it is then not executed, and the decision says so). */
export const NOT_PERFORMED_LABEL = 'NOT_PERFORMED';

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
  capabilities: readonly Capability[] = pipelineCapabilities({}),
): Promise<ExecutionDecision> {
  // Capabilities are independent (they share work through per-execution memos), so they run concurrently: OCR and
  // face analysis use different worker threads.
  const answers = await Promise.all(
    capabilities.map(async (capability) => {
      try {
        return await capability.run(input);
      } catch (cause) {
        throw new PipelineError(capability.name, { cause });
      }
    }),
  );
  const byName: Record<string, CapabilityResult[]> = {};
  capabilities.forEach((capability, i) => {
    const results = answers[i] ?? [];
    // A capability with nothing to say leaves its name to the placeholder below.
    if (results.length > 0) byName[capability.name] = [...(byName[capability.name] ?? []), ...results];
  });
  const requirements = WORKFLOW_REQUIREMENTS[input.definitionKey];
  const placeholders: Array<[CapabilityName, string]> = [
    ...requirements.required.map((name): [CapabilityName, string] => [name, NOT_PERFORMED_LABEL]),
    ...requirements.notSupported.map((name): [CapabilityName, string] => [name, 'NOT_SUPPORTED']),
  ];
  for (const [name, label] of placeholders) {
    if (byName[name]) continue;
    byName[name] = [
      {
        id: randomUUID(),
        credentials: input.credentials
          .filter((c) => CAPABILITY_CATEGORIES[name].includes(c.category))
          .map((c) => ({ id: c.id, category: c.category })),
        decision: { type: 'NOT_EXECUTED', details: { label } },
      },
    ];
  }
  const ordered = orderCapabilities(byName, requirements);
  const decision = aggregateDecision(requirements, ordered);
  return {
    decision: { ...decision, risk: { score: riskScore(decision.type, requirements, ordered) } },
    capabilities: ordered,
  };
}

/** Required capabilities first in the table's order, then the rest as they ran. */
function orderCapabilities(
  byName: Record<string, CapabilityResult[]>,
  requirements: WorkflowRequirements,
): Record<string, CapabilityResult[]> {
  const names = [
    ...requirements.required.filter((name) => byName[name]),
    ...Object.keys(byName).filter((name) => !requirements.required.includes(name as CapabilityName)),
  ];
  return Object.fromEntries(names.map((name) => [name, byName[name] as CapabilityResult[]]));
}
