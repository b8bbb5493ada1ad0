/**
 * Request and response of `POST /api/web/v1/idproofing` (zod; also the OpenAPI schemas). Request fields have no zod
 * defaults (they would make them required in the document's request types); the search applies them.
 */
import { z } from 'zod';
import { DecisionType, DocumentType, Timestamp, WorkflowDefinitionKey } from '../../shared/api/common.js';
import { RetrievalStatus } from '../../shared/api/retrieval.js';
import {
  DEVICE_CHECK_RESULTS,
  FACE_MATCH_RESULTS,
  ORDERABLE_ATTRIBUTES,
  SEARCH_ATTRIBUTE_NAMES,
  SEARCH_OPERATORS,
} from './attributes.js';

export const SEARCH_LIMIT_DEFAULT = 10;
export const SEARCH_LIMIT_MAX = 100;

export const SearchCondition = z
  .strictObject({
    attribute: z.enum(SEARCH_ATTRIBUTE_NAMES),
    operator: z.enum(SEARCH_OPERATORS),
    values: z
      .array(z.union([z.string().max(256), z.number(), z.boolean()]))
      .min(1)
      .max(100)
      .meta({ description: 'One value; two for BETWEEN (inclusive); up to 100 for IN / NOT_IN.' }),
  })
  .meta({ id: 'IdProofingSearchCondition' });

export const IdProofingResult = z
  .object({
    workflowExecutionId: z.string(),
    accountId: z.string(),
    href: z.url(),
    definitionKey: WorkflowDefinitionKey,
    status: RetrievalStatus,
    customerInternalReference: z.string().nullable(),
    userReference: z.string().nullable(),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    acquiredAt: Timestamp.nullable(),
    completedAt: Timestamp.nullable(),
    decision: DecisionType.nullable(),
    riskScore: z.number().nullable(),
    faceMatch: z.enum(FACE_MATCH_RESULTS).nullable(),
    faceMatchScore: z.number().int().min(0).max(100).nullable(),
    documentAuthenticationResult: DecisionType.nullable(),
    livenessResult: DecisionType.nullable(),
    deviceCheckResult: z.enum(DEVICE_CHECK_RESULTS),
    documentType: DocumentType.nullable(),
    documentCountry: z.string().nullable(),
    documentClassified: z.boolean(),
    frontUploadedAt: Timestamp.nullable(),
    backUploadedAt: Timestamp.nullable(),
    faceUploadedAt: Timestamp.nullable(),
  })
  .partial()
  .required({ workflowExecutionId: true })
  .meta({
    id: 'IdProofingResult',
    description: 'One execution; only the requested `attributes` (all when none were asked for).',
  });
export type IdProofingResult = z.infer<typeof IdProofingResult>;

export const RESULT_FIELDS = Object.keys(IdProofingResult.shape) as [
  keyof IdProofingResult,
  ...(keyof IdProofingResult)[],
];

export const IdProofingSearchRequest = z
  .strictObject({
    searchByAttributes: z
      .array(SearchCondition)
      .max(20)
      .optional()
      .meta({ description: 'Conditions, all of which must hold (AND). None: every execution.' }),
    orderByAttribute: z
      .strictObject({
        attribute: z.enum(ORDERABLE_ATTRIBUTES),
        order: z.enum(['ASC', 'DESC']).optional().meta({ description: 'Default DESC' }),
      })
      .optional()
      .meta({ description: 'Default: createdAt DESC. Executions without a value come last.' }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(SEARCH_LIMIT_MAX)
      .optional()
      .meta({ description: `Results per page (default ${SEARCH_LIMIT_DEFAULT})` }),
    cursor: z
      .string()
      .max(2048)
      .optional()
      .meta({ description: '`nextCursor` or `prevCursor` of an answer to the same search.' }),
    attributes: z
      .array(z.enum(RESULT_FIELDS))
      .min(1)
      .max(RESULT_FIELDS.length)
      .optional()
      .meta({ description: 'Fields of each result to return (workflowExecutionId always comes).' }),
  })
  .meta({ id: 'IdProofingSearchRequest' });
export type IdProofingSearchRequest = z.infer<typeof IdProofingSearchRequest>;

export const IdProofingSearchResponse = z
  .object({
    timestamp: Timestamp,
    limit: z.number().int(),
    count: z.number().int().meta({ description: 'Results on this page.' }),
    nextCursor: z.string().nullable(),
    prevCursor: z.string().nullable(),
    results: z.array(IdProofingResult),
  })
  .meta({ id: 'IdProofingSearchResponse' });
export type IdProofingSearchResponse = z.infer<typeof IdProofingSearchResponse>;
