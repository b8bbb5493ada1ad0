/**
 * The vendor workflow API through the API channel (issue #15 items 1, 2, 3, 7): account creation with userConsent,
 * per-credential api tokens and their scope, uploads with the documented envelope, pages without a classifier,
 * delete all pages, credential data, finalize, and Retrieval: details (steps, rules, consent, feedback), status
 * byte-identical to the callback, the part at the documented path, the PDF report behind a signed link (rendered
 * with pdftoppm), fraud feedback counted in /metrics, the processed list, PII deletion revoking every token.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { prefillOf } from '../../../src/server/executions/model.js';
import {
  type CreateAccountResponse,
  CredentialEnvelope,
  ExecutionDetails,
  ExecutionRules,
  ExecutionStatusResponse,
  ExecutionSteps,
  ProcessedExecutionList,
  ReportLink,
} from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  createAccount,
  createTestClient,
  makeJpeg,
  openTestApp,
  pathOf,
  recordingFetch,
  type TestApp,
  type TestClient,
  uploadForm,
} from '../../support/server.js';

type ErrorBody = { error: { code: string; message: string } };
const userConsent = {
  userIp: '203.0.113.7',
  userLocation: { country: 'USA', state: 'CA' },
  consent: { obtained: 'yes' as const, obtainedAt: '2026-03-01T09:59:00.000Z' },
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A PDF whose pages are full-page photos (what a scanning app makes of an ID), one page per image. */
async function scannedPdf(images: Buffer[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (const bytes of images) {
    const image = await doc.embedJpg(bytes);
    const page = doc.addPage([image.width, image.height]);
    page.drawImage(image, { x: 0, y: 0, width: image.width, height: image.height });
  }
  return doc.save();
}

for (const target of testDatabases()) {
  describe(`workflow API, API channel (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    let other: TestClient;
    const outbox = recordingFetch();
    before(async () => {
      app = await openTestApp(target, { fetch: outbox.fetch });
      client = await createTestClient(app);
      other = await createTestClient(app, ['https://other.example'], 'Other shop');
    });
    after(() => app.close());

    const credentialsOf = (created: CreateAccountResponse) => {
      const [id, selfie, facemap] = created.workflowExecution.credentials;
      assert.ok(id?.api && selfie?.api && facemap);
      return { id: { ...id, api: id.api }, selfie: { ...selfie, api: selfie.api }, facemap };
    };

    async function uploadPart(url: string, token: string, bytes: Uint8Array) {
      return app.request(pathOf(url), { method: 'POST', headers: bearer(token), body: uploadForm(bytes) });
    }

    /** Create (with consent) → FRONT/BACK/FACE with the api tokens → finalize → processed. */
    async function processedThroughApi() {
      const created = await createAccount(app, client, accountBody({ userConsent }));
      const { id, selfie } = credentialsOf(created);
      const front = await uploadPart(
        id.api.parts.front as string,
        id.api.token,
        await makeJpeg(900, 600, 11),
      );
      assert.equal(front.status, 200);
      const envelope = CredentialEnvelope.parse(await front.json());
      assert.equal(envelope.account.id, created.account.id);
      assert.equal(envelope.workflowExecution.id, created.workflowExecution.id);
      assert.deepEqual(envelope.credential, { id: id.id, category: 'ID' });
      assert.equal(envelope.part?.classifier, 'FRONT');
      assert.equal(envelope.part?.validity, 'VALID');
      assert.equal(envelope.api?.token, id.api.token);
      assert.equal(
        (await uploadPart(id.api.parts.back as string, id.api.token, await makeJpeg(900, 600, 12))).status,
        200,
      );
      assert.equal(
        (await uploadPart(selfie.api.parts.face as string, selfie.api.token, await makeJpeg(600, 800, 13)))
          .status,
        200,
      );
      const finalize = await app.request(pathOf(id.api.workflowExecution), {
        method: 'PUT',
        headers: bearer(id.api.token),
      });
      assert.equal(finalize.status, 200, await finalize.clone().text());
      await app.idv.runDueWork();
      return { created, executionPath: pathOf(id.api.workflowExecution) };
    }

    let processed: Awaited<ReturnType<typeof processedThroughApi>>;
    before(async () => {
      processed = await processedThroughApi();
    });

    it('scopes each api token to its credential and keeps it out of the widget flow', async () => {
      const created = await createAccount(app, client, accountBody({ userConsent }));
      const { id, selfie } = credentialsOf(created);
      const jpeg = await makeJpeg(900, 600, 21);
      const foreign = await uploadPart(selfie.api.parts.face as string, id.api.token, jpeg);
      assert.equal(foreign.status, 403);
      assert.equal(((await foreign.json()) as ErrorBody).error.code, 'FORBIDDEN');
      for (const path of ['/api/v1/session', '/api/v1/session/consent']) {
        const widgetCall = await app.request(path, {
          method: path.endsWith('consent') ? 'POST' : 'GET',
          headers: { ...bearer(id.api.token), 'content-type': 'application/json' },
          body: path.endsWith('consent') ? JSON.stringify({ accepted: true }) : undefined,
        });
        assert.equal(widgetCall.status, 403, path);
      }
      // The sdk token still uploads everything (the widget's 201 for a new part).
      assert.equal((await uploadPart(selfie.api.parts.face as string, created.sdk.token, jpeg)).status, 201);
    });

    it('answers an API-channel finalize without consent with 409 CONSENT_REQUIRED saying how to give it', async () => {
      const created = await createAccount(app, client);
      const { id, selfie } = credentialsOf(created);
      await uploadPart(id.api.parts.front as string, id.api.token, await makeJpeg(900, 600, 31));
      await uploadPart(id.api.parts.back as string, id.api.token, await makeJpeg(900, 600, 32));
      await uploadPart(selfie.api.parts.face as string, selfie.api.token, await makeJpeg(600, 800, 33));
      const finalize = await app.request(pathOf(id.api.workflowExecution), {
        method: 'PUT',
        headers: bearer(id.api.token),
      });
      assert.equal(finalize.status, 409);
      const body = (await finalize.json()) as ErrorBody;
      assert.equal(body.error.code, 'CONSENT_REQUIRED');
      assert.match(body.error.message, /userConsent/);
      assert.match(body.error.message, /POST \/api\/v1\/accounts/);
      // "no" is not consent either.
      const declined = await createAccount(
        app,
        client,
        accountBody({ userConsent: { ...userConsent, consent: { ...userConsent.consent, obtained: 'no' } } }),
      );
      const declinedId = credentialsOf(declined).id;
      const refused = await app.request(pathOf(declinedId.api.workflowExecution), {
        method: 'PUT',
        headers: bearer(declinedId.api.token),
      });
      assert.equal(refused.status, 409);
    });

    it('stores a document sent without a classifier as pages, from images or one PDF, and deletes all pages', async () => {
      const created = await createAccount(app, client, accountBody({ userConsent }));
      const { id, selfie } = credentialsOf(created);
      const pagesPath = `${pathOf(id.api.workflowExecution)}/credentials/${id.id}/parts`;
      const form = new FormData();
      for (const seed of [41, 42]) {
        form.append(
          'file',
          new Blob([new Uint8Array(await makeJpeg(900, 600, seed))], { type: 'image/jpeg' }),
        );
      }
      const images = await app.request(pagesPath, {
        method: 'POST',
        headers: bearer(id.api.token),
        body: form,
      });
      assert.equal(images.status, 200, await images.clone().text());
      const stored = CredentialEnvelope.parse(await images.json());
      assert.deepEqual(
        stored.parts?.map((p) => p.classifier),
        ['FRONT', 'BACK'],
      );
      const removed = await app.request(pagesPath, { method: 'DELETE', headers: bearer(id.api.token) });
      assert.equal(removed.status, 204);
      const left = await app.idv.ctx.db
        .selectFrom('parts')
        .select(['classifier'])
        .where('credential_id', '=', id.id)
        .execute();
      assert.deepEqual(left, []);

      const pdf = await scannedPdf([await makeJpeg(900, 600, 43), await makeJpeg(900, 600, 44)]);
      const pdfForm = uploadForm(pdf, 'scan.pdf', 'application/pdf');
      const fromPdf = await app.request(pagesPath, {
        method: 'POST',
        headers: bearer(id.api.token),
        body: pdfForm,
      });
      assert.equal(fromPdf.status, 200, await fromPdf.clone().text());
      const rows = await app.idv.ctx.db
        .selectFrom('parts')
        .select(['classifier', 'mime'])
        .where('credential_id', '=', id.id)
        .orderBy('classifier')
        .execute();
      assert.deepEqual(rows, [
        { classifier: 'BACK', mime: 'application/pdf' },
        { classifier: 'FRONT', mime: 'application/pdf' },
      ]);
      // Three pages do not fit an ID; a selfie takes no PDF.
      const tooMany = new FormData();
      for (const seed of [45, 46, 47]) {
        tooMany.append(
          'file',
          new Blob([new Uint8Array(await makeJpeg(900, 600, seed))], { type: 'image/jpeg' }),
        );
      }
      const refused = await app.request(pagesPath, {
        method: 'POST',
        headers: bearer(id.api.token),
        body: tooMany,
      });
      assert.equal(refused.status, 422);
      const selfiePages = `${pathOf(id.api.workflowExecution)}/credentials/${selfie.id}/parts`;
      const selfiePdf = await app.request(selfiePages, {
        method: 'POST',
        headers: bearer(selfie.api.token),
        body: uploadForm(await scannedPdf([await makeJpeg(600, 800, 48)]), 'selfie.pdf', 'application/pdf'),
      });
      assert.equal(selfiePdf.status, 415);
    });

    it('stores credential data (PUT replaces, POST merges) and hands it to the data checks as prefill', async () => {
      const created = await createAccount(app, client, accountBody({ userConsent }));
      const { id } = credentialsOf(created);
      const dataPath = `${pathOf(id.api.workflowExecution)}/credentials/${id.id}/data`;
      const send = (method: string, body: unknown) =>
        app.request(dataPath, {
          method,
          headers: { ...bearer(id.api.token), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const put = await send('PUT', {
        firstName: 'Erika',
        lastName: 'Mustermann',
        dateOfBirth: '1964-08-12',
      });
      assert.equal(put.status, 200);
      const merged = await send('POST', { id: { idNumber: 'T22000129' }, address: { postalCode: '51147' } });
      const envelope = CredentialEnvelope.parse(await merged.json());
      assert.deepEqual(envelope.data, {
        firstName: 'Erika',
        lastName: 'Mustermann',
        dateOfBirth: '1964-08-12',
        id: { idNumber: 'T22000129' },
        address: { postalCode: '51147' },
      });
      const row = await app.idv.ctx.db
        .selectFrom('credentials')
        .select(['prefill'])
        .where('id', '=', id.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(prefillOf(row), {
        firstName: 'Erika',
        lastName: 'Mustermann',
        dateOfBirth: '1964-08-12',
        documentNumber: 'T22000129',
        address: { postalCode: '51147' },
      });
      assert.equal((await send('PUT', { dateOfBirth: '12.08.1964' })).status, 422);
      assert.equal((await send('PUT', { shoeSize: 44 })).status, 400);
    });

    it('returns details with steps, rules, consent and the status as the callback’s very bytes', async () => {
      const { created, executionPath } = processed;
      const details = ExecutionDetails.parse(
        await (await app.request(executionPath, { headers: client.auth })).json(),
      );
      assert.equal(details.workflow.status, 'PROCESSED');
      assert.deepEqual(details.consent?.userConsent, userConsent);
      assert.equal(details.feedback, null);
      const stepNames = details.steps.map((s) => s.name);
      assert.deepEqual(
        [stepNames[0], stepNames.at(-2), stepNames.at(-1)],
        ['CREATED', 'ACQUIRED', 'PROCESSED'],
      );
      assert.equal(stepNames.filter((name) => name === 'PART_UPLOADED').length, 3);
      assert.ok(details.rules.length > 0);
      assert.equal(
        details.rules.some((rule) => rule.fired),
        details.decision?.type !== 'PASSED',
      );
      const steps = ExecutionSteps.parse(
        await (await app.request(`${executionPath}/steps`, { headers: client.auth })).json(),
      );
      assert.deepEqual(steps.steps, details.steps);
      const rules = ExecutionRules.parse(
        await (await app.request(`${executionPath}/rules`, { headers: client.auth })).json(),
      );
      assert.deepEqual(rules.rules, details.rules);

      await app.idv.runDueWork();
      const callback = outbox.calls.filter((call) => call.body.includes(created.workflowExecution.id)).at(-1);
      assert.ok(callback, 'the PROCESSED callback was sent');
      const status = await app.request(`${executionPath}/status`, { headers: client.auth });
      const text = await status.text();
      assert.equal(text, callback.body);
      assert.equal(ExecutionStatusResponse.parse(JSON.parse(text)).workflowExecution.status, 'PROCESSED');
    });

    it('serves the part image at the documented path (the old path is an alias) and 404s other clients', async () => {
      const { created } = processed;
      const { id } = credentialsOf(created);
      const documented = `/api/v1/accounts/${created.account.id}/credentials/${id.id}/parts/FRONT`;
      const image = await app.request(documented, { headers: client.auth });
      assert.equal(image.status, 200);
      assert.equal(image.headers.get('content-type'), 'image/jpeg');
      const alias = await app.request(pathOf(id.api.parts.front as string), { headers: client.auth });
      assert.deepEqual(Buffer.from(await alias.arrayBuffer()), Buffer.from(await image.arrayBuffer()));
      for (const path of [
        documented,
        pathOf(id.api.workflowExecution),
        `${pathOf(id.api.workflowExecution)}/status`,
        `${pathOf(id.api.workflowExecution)}/report`,
      ]) {
        const response = await app.request(path, { headers: other.auth });
        assert.equal(response.status, 404, path);
        assert.equal(((await response.json()) as ErrorBody).error.code, 'NOT_FOUND');
      }
      assert.equal((await app.request(documented)).status, 401);
    });

    it('renders the PDF report behind a short-lived signed link and refuses tampered and expired links', async () => {
      const { executionPath } = processed;
      const link = ReportLink.parse(
        await (await app.request(`${executionPath}/report`, { headers: client.auth })).json(),
      );
      const reportPath = pathOf(link.presignedUrl);
      const pdf = await app.request(reportPath);
      assert.equal(pdf.status, 200);
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      const bytes = Buffer.from(await pdf.arrayBuffer());
      assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
      const dir = mkdtempSync(join(tmpdir(), 'idv-report-'));
      try {
        writeFileSync(join(dir, 'report.pdf'), bytes);
        execFileSync('pdftoppm', [
          '-png',
          '-r',
          '50',
          '-f',
          '1',
          '-l',
          '1',
          join(dir, 'report.pdf'),
          join(dir, 'page'),
        ]);
        const png = readFileSync(join(dir, 'page-1.png'));
        const { channels } = await sharp(png).stats();
        // A blank page is one flat colour; text and photos spread the luminance.
        assert.ok((channels[0]?.stdev ?? 0) > 10, `page 1 stdev ${channels[0]?.stdev}`);
        if (process.env.IDV_KEEP_REPORT_PNG) writeFileSync(process.env.IDV_KEEP_REPORT_PNG, png);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }

      const tampered = new URL(link.presignedUrl);
      tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 3600));
      const forged = await app.request(pathOf(tampered.href));
      assert.equal(forged.status, 403);
      assert.equal(((await forged.json()) as ErrorBody).error.code, 'REPORT_LINK_INVALID');
      const unsigned = await app.request(reportPath.split('?')[0] as string);
      assert.equal(unsigned.status, 403);
      app.clock.advance(11 * 60_000);
      const expired = await app.request(reportPath);
      assert.equal(expired.status, 410);
      assert.equal(((await expired.json()) as ErrorBody).error.code, 'REPORT_LINK_EXPIRED');
    });

    it('stores fraud feedback, returns it in details and counts it in /metrics', async () => {
      const { executionPath } = processed;
      const put = (body: unknown) =>
        app.request(`${executionPath}/feedback`, {
          method: 'PUT',
          headers: { ...client.auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      assert.equal((await put({ status: 'FRAUD' })).status, 422, 'FRAUD needs a reason');
      assert.equal((await put({ status: 'MAYBE' })).status, 422);
      const stored = await put({ status: 'FRAUD', reason: 'THIRD_PARTY_FRAUD' });
      assert.equal(stored.status, 200);
      const details = ExecutionDetails.parse(
        await (await app.request(executionPath, { headers: client.auth })).json(),
      );
      assert.equal(details.feedback?.status, 'FRAUD');
      assert.equal(details.feedback?.reason, 'THIRD_PARTY_FRAUD');
      const metrics = await (await app.request('/metrics')).text();
      assert.match(metrics, /idv_fraud_feedback_total\{status="FRAUD",reason="THIRD_PARTY_FRAUD"\} 1/);
      const open = await createAccount(app, client);
      const early = await app.request(`${pathOf(credentialsOf(open).id.api.workflowExecution)}/feedback`, {
        method: 'PUT',
        headers: { ...client.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'NOT_FRAUD' }),
      });
      assert.equal(early.status, 409);
    });

    it('lists the last processed executions across the client’s accounts', async () => {
      const list = (query: string, auth = client.auth) =>
        app.request(`/api/v1/workflow-executions${query}`, { headers: auth });
      const page = ProcessedExecutionList.parse(await (await list('')).json());
      assert.equal(page.size, 50);
      assert.equal(page.page, 1);
      assert.ok(page.workflowExecutions.some((e) => e.id === processed.created.workflowExecution.id));
      assert.ok(page.workflowExecutions.every((e) => e.status === 'PROCESSED'));
      const none = ProcessedExecutionList.parse(await (await list('', other.auth)).json());
      assert.equal(none.totalCount, 0);
      for (const bad of ['?size=0', '?size=101', '?page=0', '?size=x']) {
        const response = await list(bad);
        assert.equal(response.status, 422, bad);
        assert.equal(((await response.json()) as ErrorBody).error.code, 'VALIDATION_FAILED');
      }
      assert.equal((await list('?size=100&page=2')).status, 200);
    });

    it('answers client mistakes on the credentials API with their status and our error body, never 500', async () => {
      const created = await createAccount(app, client, accountBody({ userConsent }));
      const { id } = credentialsOf(created);
      const base = pathOf(id.api.workflowExecution);
      const cases: Array<[string, string, RequestInit, number, string]> = [
        [
          'malformed JSON',
          `${base}/credentials/${id.id}/data`,
          { method: 'PUT', body: '{"firstName":' },
          400,
          'BAD_REQUEST',
        ],
        [
          'unknown credential',
          `${base}/credentials/nope/data`,
          { method: 'PUT', body: '{}' },
          404,
          'NOT_FOUND',
        ],
        [
          'unknown classifier',
          `${base}/credentials/${id.id}/parts/SIDE`,
          { method: 'POST', body: '{}' },
          422,
          'INVALID_CLASSIFIER',
        ],
        [
          'pages not multipart',
          `${base}/credentials/${id.id}/parts`,
          { method: 'POST', body: 'x' },
          422,
          'MISSING_FILE',
        ],
        [
          'other execution',
          `/api/v1/accounts/${created.account.id}/workflow-executions/other/credentials/${id.id}/data`,
          { method: 'PUT', body: '{}' },
          403,
          'FORBIDDEN',
        ],
      ];
      for (const [name, path, init, status, code] of cases) {
        const response = await app.request(path, {
          ...init,
          headers: {
            ...bearer(id.api.token),
            'content-type': init.body === 'x' ? 'text/plain' : 'application/json',
          },
        });
        assert.equal(response.status, status, name);
        assert.equal(((await response.json()) as ErrorBody).error.code, code, name);
      }
      const noToken = await app.request(`${base}/credentials/${id.id}/data`, { method: 'PUT', body: '{}' });
      assert.equal(noToken.status, 401);
      const badToken = await app.request(`${base}/credentials/${id.id}/data`, {
        method: 'PUT',
        headers: { ...bearer('idv_wt_unknown'), 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(((await badToken.json()) as ErrorBody).error.code, 'INVALID_TOKEN');
    });

    it('deletes the PII of an account and revokes every token of its executions', async () => {
      const created = await createAccount(app, client, accountBody({ userConsent }));
      const { id } = credentialsOf(created);
      const webToken = new URL(created.web.href).searchParams.get('authorizationToken') as string;
      const deleted = await app.request(`/api/v1/accounts/${created.account.id}`, {
        method: 'DELETE',
        headers: client.auth,
      });
      assert.equal(deleted.status, 204);
      for (const token of [created.sdk.token, webToken, id.api.token]) {
        const response = await uploadPart(id.api.parts.front as string, token, await makeJpeg(900, 600, 51));
        assert.equal(response.status, 401);
      }
      const details = ExecutionDetails.parse(
        await (await app.request(pathOf(id.api.workflowExecution), { headers: client.auth })).json(),
      );
      assert.equal(details.workflow.status, 'WIPED_OUT');
      assert.equal(details.consent, null);
      assert.equal(
        (
          await app.request(`/api/v1/accounts/${created.account.id}`, {
            method: 'DELETE',
            headers: other.auth,
          })
        ).status,
        404,
      );
    });
  });
}
