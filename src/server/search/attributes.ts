/**
 * The searchable attributes of the ID-proofing search and the operators each takes. One table: the request
 * validation, the SQL, the ordering, the OpenAPI enums and docs/idproofing.md all follow it.
 */
import {
  DECISION_TYPES,
  DOCUMENT_TYPES,
  EXECUTION_STATUSES,
  WORKFLOW_DEFINITION_KEYS,
} from '../../shared/api/common.js';

export const SEARCH_OPERATORS = [
  'EQUALS',
  'NOT_EQUALS',
  'IN',
  'NOT_IN',
  'GREATER_THAN',
  'GREATER_THAN_OR_EQUAL',
  'LESS_THAN',
  'LESS_THAN_OR_EQUAL',
  'BETWEEN',
  'STARTS_WITH',
] as const;
export type SearchOperator = (typeof SEARCH_OPERATORS)[number];

export const FACE_MATCH_RESULTS = ['MATCH', 'NO_MATCH', 'NOT_POSSIBLE'] as const;
/** Device checks are not done yet: every execution reports `NONE`. */
export const DEVICE_CHECK_RESULTS = ['NONE'] as const;

type ValueKind = 'text' | 'enum' | 'integer' | 'number' | 'timestamp' | 'boolean' | 'constant';

export interface SearchAttribute {
  kind: ValueKind;
  /** Column of workflow_executions (generated search columns included); absent for derived ones. */
  column?: string;
  values?: readonly (string | number)[];
  /** May be `orderByAttribute`. */
  orderable?: boolean;
  /** Can be null (ordering puts nulls last, comparisons never match them). */
  nullable: boolean;
}

const ORDERED: ReadonlySet<SearchOperator> = new Set([
  'GREATER_THAN',
  'GREATER_THAN_OR_EQUAL',
  'LESS_THAN',
  'LESS_THAN_OR_EQUAL',
  'BETWEEN',
]);

export const SEARCH_ATTRIBUTES = {
  workflowExecutionId: { kind: 'text', column: 'id', nullable: false },
  accountId: { kind: 'text', column: 'account_id', nullable: false },
  customerInternalReference: { kind: 'text', column: 'customer_internal_reference', nullable: true },
  userReference: { kind: 'text', column: 'user_reference', nullable: true },
  definitionKey: {
    kind: 'enum',
    column: 'definition_key',
    values: WORKFLOW_DEFINITION_KEYS,
    nullable: false,
  },
  status: {
    kind: 'enum',
    column: 'search_status',
    values: [...EXECUTION_STATUSES, 'WIPED_OUT'],
    nullable: false,
  },
  decision: { kind: 'enum', column: 'search_decision', values: DECISION_TYPES, nullable: true },
  riskScore: { kind: 'number', column: 'search_risk_score', orderable: true, nullable: true },
  faceMatch: { kind: 'enum', column: 'search_face_match', values: FACE_MATCH_RESULTS, nullable: true },
  faceMatchScore: {
    kind: 'integer',
    column: 'search_face_match_score',
    orderable: true,
    nullable: true,
  },
  documentAuthenticationResult: {
    kind: 'enum',
    column: 'search_document_result',
    values: DECISION_TYPES,
    nullable: true,
  },
  livenessResult: {
    kind: 'enum',
    column: 'search_liveness_result',
    values: DECISION_TYPES,
    nullable: true,
  },
  deviceCheckResult: { kind: 'constant', values: DEVICE_CHECK_RESULTS, nullable: false },
  documentType: { kind: 'enum', column: 'document_type', values: DOCUMENT_TYPES, nullable: true },
  documentCountry: { kind: 'text', column: 'document_country', nullable: true },
  documentClassified: { kind: 'boolean', nullable: false },
  createdAt: { kind: 'timestamp', column: 'created_at', orderable: true, nullable: false },
  startedAt: { kind: 'timestamp', column: 'started_at', orderable: true, nullable: true },
  acquiredAt: { kind: 'timestamp', column: 'acquired_at', orderable: true, nullable: true },
  completedAt: { kind: 'timestamp', column: 'completed_at', orderable: true, nullable: true },
} as const satisfies Record<string, SearchAttribute>;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
export const SEARCH_ATTRIBUTE_NAMES = Object.keys(SEARCH_ATTRIBUTES) as [
  SearchAttributeName,
  ...SearchAttributeName[],
];
export const ORDERABLE_ATTRIBUTES = SEARCH_ATTRIBUTE_NAMES.filter(
  (name) => (SEARCH_ATTRIBUTES[name] as SearchAttribute).orderable,
) as [SearchAttributeName, ...SearchAttributeName[]];

/** Which operators an attribute of this kind takes (ranges only on ordered values, prefixes only on text). */
export function operatorsFor(kind: ValueKind): SearchOperator[] {
  switch (kind) {
    case 'text':
      return SEARCH_OPERATORS.filter((op) => !ORDERED.has(op));
    case 'enum':
    case 'constant':
      return ['EQUALS', 'NOT_EQUALS', 'IN', 'NOT_IN'];
    case 'boolean':
      return ['EQUALS', 'NOT_EQUALS'];
    case 'integer':
    case 'number':
    case 'timestamp':
      return SEARCH_OPERATORS.filter((op) => op !== 'STARTS_WITH');
  }
}

/** How many values each operator takes: exact count, or [min, max]. */
export function valueCount(operator: SearchOperator): [number, number] {
  switch (operator) {
    case 'IN':
    case 'NOT_IN':
      return [1, 100];
    case 'BETWEEN':
      return [2, 2];
    default:
      return [1, 1];
  }
}
