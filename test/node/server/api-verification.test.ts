/**
 * A verification run through the API alone, as a server-to-server integration would (no widget): create the
 * account, give consent, choose the document, upload FRONT / BACK / FACE, send the passive liveness burst, finalize,
 * process, retrieve. A generated US driving licence and a generated passport, both photographed, come back PASSED
 * with the fields printed on them; what is not a document, or not a face, is REJECTED with its own label; PII
 * deletion removes the extracted data.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { livenessFramePath, makeLivenessFixtures } from '../../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures, WIDGET_FIXTURES_DIR } from '../../../scripts/make-widget-fixtures.js';
import {
  type CreateAccountResponse,
  type CredentialData,
  ExecutionDetails,
} from '../../../src/shared/api/index.js';
import { complete, issueChallenge, uploadFrame } from '../liveness/liveness-client.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  createAccount,
  createTestClient,
  makeJpeg,
  openTestApp,
  pathOf,
  type TestApp,
  type TestClient,
  uploadForm,
  widgetAuth,
} from '../../support/server.js';
import {
  idCardBack,
  idCardFront,
  passportPage,
  type RgbaImage,
  photographDocument,
  specimenHolder,
} from '../../support/specimens/index.js';

/** The document on a desk, photographed and stored as JPEG, like an upload. */
const photographed = (doc: RgbaImage, seed: number, rotationDeg = 3) =>
  photographDocument(doc, { seed, rotationDeg });

interface Capture {
  type: 'DRIVING_LICENSE' | 'PASSPORT' | 'ID_CARD';
  country: string;
  front: Buffer;
  back?: Buffer;
  face: Buffer;
}

for (const target of testDatabases()) {
  describe(`verification through the API alone (${target.name})`, { timeout: 600_000 }, () => {
    let app: TestApp;
    let client: TestClient;
    let selfie: Buffer;
    before(async () => {
      await Promise.all([makeLivenessFixtures(), makeWidgetFixtures()]);
      selfie = readFileSync(join(WIDGET_FIXTURES_DIR, 'face-1280.png'));
      app = await openTestApp(target);
      client = await createTestClient(app);
    });
    after(() => app.close());

    async function call(created: CreateAccountResponse, method: string, path: string, body?: unknown) {
      const response = await app.request(path, {
        method,
        headers: { ...widgetAuth(created), 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${await response.text()}`);
    }

    async function upload(created: CreateAccountResponse, url: string | undefined, bytes: Buffer) {
      assert.ok(url);
      const png = bytes[0] === 0x89;
      const response = await app.request(pathOf(url), {
        method: 'POST',
        headers: widgetAuth(created),
        body: uploadForm(bytes, png ? 'page.png' : 'page.jpg', png ? 'image/png' : 'image/jpeg'),
      });
      assert.equal(response.status, 201, await response.text());
    }

    /** The passive liveness burst: three frames of the holder holding still (a slight sway), 150 ms apart. */
    async function livenessBurst(created: CreateAccountResponse) {
      const challenge = await issueChallenge(app, created);
      assert.equal(challenge.mode, 'passive');
      const poses = ['neutral', 'sway-a', 'sway-b'] as const;
      for (const [index, pose] of poses.entries()) {
        app.clock.advance(150);
        const response = await uploadFrame(
          app,
          created,
          challenge,
          readFileSync(livenessFramePath('astronaut', pose)),
          {
            nonce: challenge.nonce,
            index,
            kind: 'burst',
            step: 0,
            capturedAtMs: 150 * (index + 1),
          },
        );
        assert.equal(response.status, 201, await response.text());
      }
      assert.equal((await complete(app, created, challenge)).status, 'DONE');
    }

    async function verify(
      capture: Capture,
      prefill?: CredentialData,
    ): Promise<{ created: CreateAccountResponse; details: ExecutionDetails }> {
      const created = await createAccount(
        app,
        client,
        accountBody({
          workflowDefinition: {
            key: 10011,
            credentials: [
              { category: 'ID', type: { values: [capture.type] }, country: { values: [capture.country] } },
              { category: 'SELFIE' },
            ],
          },
          liveness: { mode: 'passive' },
        }),
      );
      await call(created, 'POST', '/api/v1/session/consent', { accepted: true, version: '2026-01' });
      await call(created, 'PUT', '/api/v1/session/document', {
        type: capture.type,
        country: capture.country,
      });
      const id = created.workflowExecution.credentials.find((c) => c.category === 'ID');
      const face = created.workflowExecution.credentials.find((c) => c.category === 'SELFIE');
      await upload(created, id?.api?.parts.front, capture.front);
      if (capture.back) await upload(created, id?.api?.parts.back, capture.back);
      await upload(created, face?.api?.parts.face, capture.face);
      await livenessBurst(created);
      const executionPath = pathOf(id?.api?.workflowExecution ?? '');
      if (prefill) {
        // The customer's own data, through the credentials API with the ID credential's api.token.
        const stored = await app.request(`${executionPath}/credentials/${id?.id}/data`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${id?.api?.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(prefill),
        });
        assert.equal(stored.status, 200, await stored.clone().text());
      }
      await call(created, 'PUT', executionPath);
      await app.idv.runDueWork();
      const response = await app.request(executionPath, { headers: client.auth });
      assert.equal(response.status, 200);
      return { created, details: ExecutionDetails.parse(await response.json()) };
    }

    const summary = (details: ExecutionDetails) =>
      Object.fromEntries(
        Object.entries(details.capabilities).map(([name, results]) => [
          name,
          results.map((r) => `${r.decision.type} ${r.decision.details.label}`).join(', '),
        ]),
      );

    it('passes a US driving licence and returns its data', async () => {
      const holder = { ...specimenHolder(21), issuingState: 'USA', nationality: 'USA' };
      const { details } = await verify({
        type: 'DRIVING_LICENSE',
        country: 'USA',
        front: photographed(await idCardFront({ seed: 21, holder }), 21),
        back: photographed(await idCardBack({ seed: 21, kind: 'us-dl', holder }), 22, -2),
        face: selfie,
      });
      assert.equal(details.workflow.status, 'PROCESSED');
      assert.deepEqual(
        [details.decision?.type, details.decision?.details.label],
        ['PASSED', 'OK'],
        JSON.stringify(summary(details)),
      );
      const data = details.capabilities.extraction?.[0]?.data as Record<string, any>;
      assert.deepEqual(
        [
          data.type,
          data.issuingCountry,
          data.lastName,
          data.dateOfBirth,
          data.expiryDate,
          data.documentNumber,
        ],
        [
          'DRIVING_LICENSE',
          'USA',
          holder.surname.replace(/'/g, ' '),
          holder.birthDate,
          holder.expiryDate,
          holder.documentNumber,
        ],
      );
      assert.equal(data.barcode.format, 'AAMVA');
      assert.equal(data.fieldSources.dateOfBirth, 'BARCODE');
    });

    it('passes a passport that agrees with the customer’s prefill and returns its data, then PII deletion removes what was read', async () => {
      const holder = specimenHolder(23);
      const { created, details } = await verify(
        {
          type: 'PASSPORT',
          country: holder.issuingState,
          front: photographed(await passportPage({ seed: 23 }), 23),
          face: selfie,
        },
        {
          firstName: holder.givenNames,
          lastName: holder.surname,
          dateOfBirth: holder.birthDate,
          id: { idNumber: holder.documentNumber },
        },
      );
      assert.deepEqual(
        [details.decision?.type, details.decision?.details.label],
        ['PASSED', 'OK'],
        JSON.stringify(summary(details)),
      );
      const data = details.capabilities.extraction?.[0]?.data as Record<string, any>;
      assert.deepEqual(
        [data.type, data.lastName, data.firstName, data.documentNumber, data.nationality, data.mrz.format],
        ['PASSPORT', holder.surname, holder.givenNames, holder.documentNumber, holder.nationality, 'TD3'],
      );
      assert.equal(data.mrz.valid, true);
      const checks = details.capabilities.dataChecks?.[0]?.data?.checks as Array<{
        name: string;
        outcome: string;
      }>;
      assert.equal(
        checks.find((check) => check.name === 'prefill')?.outcome,
        'OK',
        'the prefill was compared',
      );

      const executionPath = pathOf(created.workflowExecution.credentials[0]?.api?.workflowExecution ?? '');
      const wiped = await app.request(executionPath, { method: 'DELETE', headers: client.auth });
      assert.ok(wiped.status < 300, await wiped.text());
      const after = ExecutionDetails.parse(
        await (await app.request(executionPath, { headers: client.auth })).json(),
      );
      assert.equal(after.decision?.type, 'PASSED', 'the decision stays for the audit trail');
      assert.equal(after.capabilities.extraction?.[0]?.data, undefined, 'the extracted data is gone');
      assert.ok(!JSON.stringify(after).includes(holder.documentNumber));
    });

    if (target.name !== 'sqlite') return;

    it('rejects a passport whose holder is not the one the customer’s prefill names', async () => {
      const holder = specimenHolder(23);
      const { details } = await verify(
        {
          type: 'PASSPORT',
          country: holder.issuingState,
          front: photographed(await passportPage({ seed: 23 }), 23),
          face: selfie,
        },
        // Another person's name (a typo-sized difference is tolerated, as names are compared fuzzily).
        { lastName: holder.surname === 'OKONKWO' ? 'LINDQVIST' : 'OKONKWO', dateOfBirth: holder.birthDate },
      );
      const dataChecks = details.capabilities.dataChecks?.[0]?.decision;
      assert.deepEqual(
        [dataChecks?.type, dataChecks?.details.label],
        ['REJECTED', 'MISMATCH_PREFILLED_DATA'],
        JSON.stringify(summary(details)),
      );
      assert.equal(details.decision?.type, 'REJECTED');
    });

    it('rejects noise, a blank page, a selfie as the document and a document as the selfie, each with its label', async () => {
      const blank = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#dcdcdc' } })
        .jpeg()
        .toBuffer();
      const card = photographed(await passportPage({ seed: 24 }), 24);
      const cases: Array<[string, Buffer, Buffer, string]> = [
        ['noise', await makeJpeg(1600, 1200, 9), selfie, 'NO_DOCUMENT'],
        ['a blank page', blank, selfie, 'BLANK_PAGE'],
        ['a selfie as the document', selfie, selfie, 'SELFIE_AS_DOCUMENT'],
        ['a document as the selfie', card, card, 'DOCUMENT_AS_SELFIE'],
      ];
      for (const [name, front, face, label] of cases) {
        const { details } = await verify({
          type: 'PASSPORT',
          country: specimenHolder(24).issuingState,
          front,
          face,
        });
        assert.deepEqual(
          [details.decision?.type, details.decision?.details.label, details.decision?.details.capability],
          ['REJECTED', label, 'imageChecks'],
          `${name}: ${JSON.stringify(summary(details))}`,
        );
      }
    });
  });
}
