/**
 * The widget parses answers with `zod/mini` twins of the shared schemas (a smaller bundle). They must describe
 * exactly the same JSON as the shared full-zod schemas the server validates with and the OpenAPI document shows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import * as shared from '../../../src/shared/api/index.js';
import * as mini from '../../../src/transport/session-schemas.js';

/** JSON Schema without registry ids, so the shared schemas' `.meta({id})` does not turn parts into `$ref`s. */
function jsonSchema(schema: z.core.$ZodType): unknown {
  return z.toJSONSchema(schema, { metadata: z.registry<z.core.JSONSchemaMeta>(), unrepresentable: 'throw' });
}

const PAIRS = {
  ApiErrorBody: [shared.ApiErrorBody, mini.ApiErrorBody],
  SessionResponse: [shared.SessionResponse, mini.SessionResponse],
  ConsentResponse: [shared.ConsentResponse, mini.ConsentResponse],
  DocumentSelectionResponse: [shared.DocumentSelectionResponse, mini.DocumentSelectionResponse],
  CaptureMetadataResponse: [shared.CaptureMetadataResponse, mini.CaptureMetadataResponse],
  PartUploadResponse: [shared.PartUploadResponse, mini.PartUploadResponse],
  FinalizeResponse: [shared.FinalizeResponse, mini.FinalizeResponse],
  LivenessChallengeResponse: [shared.LivenessChallengeResponse, mini.LivenessChallengeResponse],
  LivenessFrameResponse: [shared.LivenessFrameResponse, mini.LivenessFrameResponse],
  LivenessCompleteResponse: [shared.LivenessCompleteResponse, mini.LivenessCompleteResponse],
} as const;

describe('widget response schemas (zod/mini) match the shared API schemas', () => {
  for (const [name, [full, small]] of Object.entries(PAIRS)) {
    it(`${name}: same JSON Schema`, () => {
      assert.deepEqual(jsonSchema(small), jsonSchema(full));
    });
  }

  it('the comparison notices a difference', () => {
    const drifted = z.object({ ...shared.ConsentResponse.shape, extra: z.string() });
    assert.notDeepEqual(jsonSchema(mini.ConsentResponse), jsonSchema(drifted));
  });

  it('both accept a real session answer and reject a broken one alike', () => {
    const at = '2026-03-01T10:00:00Z';
    const session = {
      account: { id: 'acc' },
      workflowExecution: { id: 'wx', status: 'INITIATED', definitionKey: 10011 },
      credentials: [{ id: 'c1', category: 'ID', classifiers: ['FRONT', 'BACK'] }],
      document: { allowedTypes: ['ID_CARD'], allowedCountries: null, chosen: null },
      liveness: { mode: 'passive', status: 'NOT_REQUIRED' },
      locale: 'en',
      web: { successUrl: 'https://shop.example/done' },
      consent: { given: false },
      parts: [],
      expiresAt: at,
      tokenExpiresAt: at,
      links: {
        session: 'http://idv.test/api/v1/session',
        consent: 'http://idv.test/api/v1/session/consent',
        document: 'http://idv.test/api/v1/session/document',
        captureMetadata: 'http://idv.test/api/v1/session/capture-metadata',
        finalize: 'http://idv.test/api/v1/accounts/acc/workflow-executions/wx',
        parts: [{ credentialId: 'c1', classifier: 'FRONT', href: 'http://idv.test/p/FRONT' }],
      },
    };
    assert.deepEqual(mini.SessionResponse.parse(session), shared.SessionResponse.parse(session));
    const broken = { ...session, document: { ...session.document, allowedCountries: ['de'] } };
    assert.equal(mini.SessionResponse.safeParse(broken).success, false);
    assert.equal(shared.SessionResponse.safeParse(broken).success, false);
  });
});
