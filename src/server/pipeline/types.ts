/** Contracts of the verification pipeline: what a capability receives and what it answers. */
import type { FieldSource, IdentityFields } from '../documents/identity.js';

/**
 * Returning-user authentication (the KYC API's IDA session): our own definition, not one of the workflow API's, so
 * the workflow API never creates it and its retrieval, lists and ID-proofing search do not show it.
 */
export const AUTHENTICATION_DEFINITION_KEY = 10090 as const;

/** Every definition the pipeline decides: the workflow API's two and the KYC API's authentication. */
export type PipelineDefinitionKey = 10011 | 10013 | typeof AUTHENTICATION_DEFINITION_KEY;

export type CredentialCategory = 'ID' | 'SELFIE' | 'FACEMAP';
export type DecisionType = 'PASSED' | 'REJECTED' | 'WARNING' | 'NOT_EXECUTED';

/** A stored, already validated upload; bytes are read lazily so capabilities that do not need pixels cost nothing. */
export interface StoredPart {
  credentialId: string;
  credentialCategory: CredentialCategory;
  classifier: string;
  mime: string;
  width: number;
  height: number;
  /** Of the stored bytes; two parts with the same are the same upload. */
  sha256?: string;
  read(): Promise<Buffer>;
}

/** What the liveness step left behind (workflow 10013); read by the `liveness` capability. */
export interface LivenessEvidence {
  mode: 'passive' | 'passive_active';
  /** As the session reports it: `REQUIRED` (never passed, attempts left), `DONE`, `EXHAUSTED`. */
  status: 'REQUIRED' | 'DONE' | 'EXHAUSTED';
  /** Challenges that ended (passed, failed, expired, abandoned), oldest first; labels only, no numbers. */
  challenges: Array<{ id: string; passed: boolean; label: string; completedAt?: string }>;
  /** The passed challenge's first neutral (or burst) frame, to bind liveness to the selfie. */
  referenceFrame?: { mime: string; read(): Promise<Buffer> };
}

/** Fields that must have been read from the document: from one source (`ANY`: merged from every source). */
export interface RequiredFieldRule {
  source: FieldSource | 'ANY';
  /** `name` as the customer configured it (reported), `field` the identity field it is. */
  fields: Array<{ name: string; field: keyof IdentityFields }>;
}

export interface ExecutionInput {
  executionId: string;
  definitionKey: PipelineDefinitionKey;
  /** The document type and country the user (or the API client) chose. */
  documentType?: string;
  country?: string;
  credentials: Array<{
    id: string;
    category: CredentialCategory;
    requiredClassifiers: string[];
    /** What the account allowed for this credential (ID only); null or absent: anything. */
    allowedTypes?: readonly string[] | null;
    allowedCountries?: readonly string[] | null;
  }>;
  parts: StoredPart[];
  /** What the liveness step left behind (both workflows have one: 10011 passive by default, 10013 as chosen). */
  liveness?: LivenessEvidence;
  /** The client's face-match threshold (`clients.face_match_threshold`); the default when absent. */
  faceMatch?: { threshold: number };
  /**
   * Authentication (10090) only: the identity's face template (its verified selfie's descriptor) and the distance
   * threshold it is matched with. Biometric: never logged, never in a result.
   */
  identityMatch?: { template: number[]; threshold: number };
  /** When the decision is made: expiry and age are judged on this day (defaults to now). */
  decidedAt?: Date;
  /** Checks the account asked for: a minimum age of the holder, fields that must have been read (KYC requirements). */
  dataChecks?: { minimumAge?: number; requiredFields?: RequiredFieldRule[] };
  /** Watchlist name-match tolerance (the KYC weight `sanctions_name_tolerance`); the list's default when absent. */
  sanctions?: { nameTolerance: number };
  /** The customer's own data about the user (prefill), checked against the document. PII. */
  prefill?: IdentityFields;
}

export interface CapabilityResult {
  id: string;
  credentials: Array<{ id: string; category: string }>;
  decision: { type: DecisionType; details: { label: string } };
  /** Numbers and codes for support; never image content or personal data. */
  data?: Record<string, unknown>;
}

/** One verification step. Add one by implementing this and listing it in `DEFAULT_CAPABILITIES`. */
export interface Capability {
  /** Key in `ExecutionDecision.capabilities`, e.g. `usability`, `liveness`. */
  name: string;
  run(input: ExecutionInput): Promise<CapabilityResult[]>;
}

export interface ExecutionDecision {
  decision: { type: DecisionType; details: { label: string; capability?: string }; risk: { score: number } };
  capabilities: Record<string, CapabilityResult[]>;
}
