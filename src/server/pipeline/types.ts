/** Contracts of the verification pipeline: what a capability receives and what it answers. */

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

export interface ExecutionInput {
  executionId: string;
  definitionKey: 10011 | 10013;
  documentType?: string;
  country?: string;
  credentials: Array<{ id: string; category: CredentialCategory; requiredClassifiers: string[] }>;
  parts: StoredPart[];
  /** What the liveness step left behind (both workflows have one: 10011 passive by default, 10013 as chosen). */
  liveness?: LivenessEvidence;
  /** The client's face-match threshold (`clients.face_match_threshold`); the default when absent. */
  faceMatch?: { threshold: number };
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
  decision: { type: DecisionType; details: { label: string }; risk: { score: number } };
  capabilities: Record<string, CapabilityResult[]>;
}
