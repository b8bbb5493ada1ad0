/**
 * ID-proofing search (`POST /api/web/v1/idproofing`) on a real database: every operator against an oracle over
 * the seeded rows, keyset paging both ways, ordering with nulls, client isolation, projection, bad input → 400,
 * and the query plans of the common searches use an index. SQLite always, PostgreSQL with IDV_TEST_PG_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { explainIdProofingSearch } from '../../../src/server/search/idproofing-search.js';
import { IdProofingSearchRequest } from '../../../src/server/search/schemas.js';
import { testDatabases } from '../../support/databases.js';
import { type SeededExecution, seedExecutions } from '../../support/idproofing-seed.js';
import { createTestClient, openTestApp, type TestApp, type TestClient } from '../../support/server.js';

const SEARCH = '/api/web/v1/idproofing';
const COUNT = 240;

interface Page {
  status: number;
  body: {
    count: number;
    limit: number;
    nextCursor: string | null;
    prevCursor: string | null;
    results: Array<Record<string, unknown>>;
    error?: { code: string; message: string };
  };
}

for (const target of testDatabases()) {
  describe(`ID-proofing search (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    let other: TestClient;
    let rows: SeededExecution[];

    const search = async (body: unknown, auth = client.auth): Promise<Page> => {
      const response = await app.request(SEARCH, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Page['body'] };
    };
    /** Every id a search finds, following nextCursor to the end. */
    const searchAll = async (body: Record<string, unknown>): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 100; guard += 1) {
        const page = await search({ ...body, limit: 100, ...(cursor ? { cursor } : {}) });
        assert.equal(page.status, 200, JSON.stringify(page.body));
        ids.push(...page.body.results.map((r) => String(r.workflowExecutionId)));
        if (!page.body.nextCursor) return ids;
        cursor = page.body.nextCursor;
      }
      throw new Error('paging did not end');
    };
    const newestFirst = (a: SeededExecution, b: SeededExecution) =>
      a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;
    const expectIds = (filter: (row: SeededExecution) => boolean) =>
      rows
        .filter(filter)
        .sort(newestFirst)
        .map((row) => row.id);

    before(async () => {
      app = await openTestApp(target);
      client = await createTestClient(app);
      other = await createTestClient(app, ['https://other.example'], 'Other shop');
      rows = await seedExecutions(app.idv.ctx.db, {
        clientId: client.id,
        count: COUNT,
        seed: 7,
        prefix: 'mine',
      });
      await seedExecutions(app.idv.ctx.db, { clientId: other.id, count: 60, seed: 8, prefix: 'theirs' });
    });
    after(() => app.close());

    test('no conditions: all of the client’s executions, newest first, never another client’s', async () => {
      const ids = await searchAll({});
      assert.deepEqual(
        ids,
        expectIds(() => true),
      );
      const theirs = await searchAll({});
      assert.ok(theirs.every((id) => id.startsWith('mine-')));
    });

    const cases: Array<[string, unknown[], string, (row: SeededExecution) => boolean]> = [
      ['EQUALS', ['PROCESSED'], 'status', (r) => r.status === 'PROCESSED'],
      ['NOT_EQUALS', ['PROCESSED'], 'status', (r) => r.status !== 'PROCESSED'],
      [
        'IN',
        ['REJECTED', 'WARNING'],
        'decision',
        (r) => r.decision === 'REJECTED' || r.decision === 'WARNING',
      ],
      ['NOT_IN', ['PASSED'], 'decision', (r) => r.decision !== null && r.decision !== 'PASSED'],
      ['GREATER_THAN', [90], 'faceMatchScore', (r) => r.faceMatchScore !== null && r.faceMatchScore > 90],
      [
        'GREATER_THAN_OR_EQUAL',
        [80],
        'faceMatchScore',
        (r) => r.faceMatchScore !== null && r.faceMatchScore >= 80,
      ],
      ['LESS_THAN', [40], 'faceMatchScore', (r) => r.faceMatchScore !== null && r.faceMatchScore < 40],
      ['LESS_THAN_OR_EQUAL', ['2026-01-15'], 'createdAt', (r) => r.createdAt <= '2026-01-15T00:00:00.000Z'],
      [
        'BETWEEN',
        ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'],
        'createdAt',
        (r) => r.createdAt >= '2026-01-01T00:00:00.000Z' && r.createdAt <= '2026-02-01T00:00:00.000Z',
      ],
      [
        'STARTS_WITH',
        ['order-1'],
        'customerInternalReference',
        (r) => !!r.customerInternalReference?.startsWith('order-1'),
      ],
    ];
    for (const [operator, values, attribute, oracle] of cases) {
      test(`${operator} on ${attribute} finds exactly the matching executions`, async () => {
        const expected = expectIds(oracle);
        assert.ok(expected.length > 0 && expected.length < COUNT, `the seed exercises ${operator}`);
        assert.deepEqual(
          await searchAll({ searchByAttributes: [{ attribute, operator, values }] }),
          expected,
        );
      });
    }

    test('conditions combine with AND; deviceCheckResult is NONE for every execution', async () => {
      const body = {
        searchByAttributes: [
          { attribute: 'status', operator: 'EQUALS', values: ['PROCESSED'] },
          { attribute: 'faceMatchScore', operator: 'GREATER_THAN_OR_EQUAL', values: [80] },
          { attribute: 'deviceCheckResult', operator: 'EQUALS', values: ['NONE'] },
        ],
      };
      const expected = expectIds((r) => r.status === 'PROCESSED' && (r.faceMatchScore ?? -1) >= 80);
      assert.ok(expected.length > 0);
      assert.deepEqual(await searchAll(body), expected);
      const none = await search({
        searchByAttributes: [{ attribute: 'deviceCheckResult', operator: 'NOT_EQUALS', values: ['NONE'] }],
      });
      assert.equal(none.body.count, 0);
    });

    test('pages forward with nextCursor and back with prevCursor over the same rows', async () => {
      const body = {
        searchByAttributes: [{ attribute: 'status', operator: 'IN', values: ['PROCESSED', 'WIPED_OUT'] }],
      };
      const pages: string[][] = [];
      const prevCursors: Array<string | null> = [];
      let cursor: string | undefined;
      do {
        const page = await search({ ...body, limit: 25, ...(cursor ? { cursor } : {}) });
        assert.equal(page.status, 200);
        pages.push(page.body.results.map((r) => String(r.workflowExecutionId)));
        prevCursors.push(page.body.prevCursor);
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      assert.ok(pages.length >= 3, 'several pages');
      assert.equal(prevCursors[0], null, 'the first page has nothing before it');
      assert.deepEqual(
        pages.flat(),
        expectIds((r) => r.status === 'PROCESSED' || r.status === 'WIPED_OUT'),
      );
      // Back from the last page: each prevCursor gives exactly the page before.
      let back = prevCursors.at(-1);
      for (let index = pages.length - 2; index >= 0; index -= 1) {
        assert.ok(back, `page ${index + 1} has a prevCursor`);
        const page = await search({ ...body, limit: 25, cursor: back });
        assert.deepEqual(
          page.body.results.map((r) => r.workflowExecutionId),
          pages[index],
        );
        assert.ok(page.body.nextCursor, 'a page reached backwards has a next page');
        back = page.body.prevCursor;
      }
      assert.equal(back, null, 'back at the first page');
    });

    test('orderByAttribute faceMatchScore ASC: ascending, executions without a score last, paging through them', async () => {
      const ids = [];
      const scores: Array<number | null> = [];
      let cursor: string | undefined;
      do {
        const page = await search({
          orderByAttribute: { attribute: 'faceMatchScore', order: 'ASC' },
          attributes: ['faceMatchScore'],
          limit: 30,
          ...(cursor ? { cursor } : {}),
        });
        assert.equal(page.status, 200);
        for (const result of page.body.results) {
          ids.push(result.workflowExecutionId);
          scores.push(result.faceMatchScore as number | null);
          assert.deepEqual(Object.keys(result).sort(), ['faceMatchScore', 'workflowExecutionId']);
        }
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      assert.equal(new Set(ids).size, COUNT, 'every execution once');
      const firstNull = scores.indexOf(null);
      assert.ok(firstNull > 0 && scores.slice(firstNull).every((s) => s === null), 'nulls last');
      const numbers = scores.slice(0, firstNull) as number[];
      assert.deepEqual(
        numbers,
        [...numbers].sort((a, b) => a - b),
      );
      assert.ok(
        numbers.every((s) => Number.isInteger(s)),
        'faceMatchScore is an integer',
      );
    });

    test('results carry the documented fields mapped from the execution', async () => {
      const page = await search({
        searchByAttributes: [{ attribute: 'status', operator: 'EQUALS', values: ['PROCESSED'] }],
        limit: 5,
      });
      const result = page.body.results[0];
      const row = rows.find((r) => r.id === result.workflowExecutionId);
      assert.ok(row);
      assert.equal(result.status, 'PROCESSED');
      assert.equal(result.decision, row.decision);
      assert.equal(result.faceMatchScore, row.faceMatchScore);
      assert.equal(result.deviceCheckResult, 'NONE');
      assert.equal(result.documentClassified, true);
      assert.match(String(result.frontUploadedAt), /^\d{4}-\d{2}-\d{2}T/);
      assert.match(String(result.faceUploadedAt), /^\d{4}-\d{2}-\d{2}T/);
      assert.ok(['MATCH', 'NO_MATCH', 'NOT_POSSIBLE'].includes(String(result.faceMatch)));
      assert.ok(
        ['PASSED', 'REJECTED', 'WARNING', 'NOT_EXECUTED'].includes(
          String(result.documentAuthenticationResult),
        ),
      );
      assert.equal(
        result.href,
        `http://idv.test/api/v1/accounts/${row.accountId}/workflow-executions/${row.id}`,
      );
    });

    test('the search columns follow the rows: PII deletion shows as WIPED_OUT and drops the score', async () => {
      const row = rows.find((r) => r.status === 'PROCESSED' && r.faceMatchScore !== null);
      assert.ok(row);
      const byId = {
        searchByAttributes: [{ attribute: 'workflowExecutionId', operator: 'EQUALS', values: [row.id] }],
      };
      assert.equal((await search(byId)).body.results[0].faceMatchScore, row.faceMatchScore);
      const deleted = await app.request(`/api/v1/accounts/${row.accountId}/workflow-executions/${row.id}`, {
        method: 'DELETE',
        headers: client.auth,
      });
      assert.equal(deleted.status, 204);
      const after = (await search(byId)).body.results[0];
      assert.equal(after.status, 'WIPED_OUT');
      assert.equal(after.faceMatchScore, null);
      assert.equal(after.customerInternalReference, null);
      assert.equal(after.decision, row.decision, 'the decision stays');
      // Keep the oracle in step for the tests that follow.
      Object.assign(row, { status: 'WIPED_OUT', faceMatchScore: null, customerInternalReference: null });
    });

    test('bad input answers 400 with the error body, never 500', async () => {
      const first = await search({ limit: 2 });
      const cursor = String(first.body.nextCursor);
      const [payload, signature] = cursor.split('.');
      const tampered = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), i: 'zzz' })).toString('base64url')}.${signature}`;
      const bad: unknown[] = [
        '{"limit": ',
        { limit: 0 },
        { limit: 101 },
        { limit: 'ten' },
        { surprise: true },
        { searchByAttributes: [{ attribute: 'password', operator: 'EQUALS', values: ['x'] }] },
        { searchByAttributes: [{ attribute: 'status', operator: 'LIKE', values: ['x'] }] },
        { searchByAttributes: [{ attribute: 'status', operator: 'GREATER_THAN', values: ['PROCESSED'] }] },
        { searchByAttributes: [{ attribute: 'status', operator: 'EQUALS', values: ['DONE'] }] },
        {
          searchByAttributes: [
            { attribute: 'status', operator: 'EQUALS', values: ['PROCESSED', 'INITIATED'] },
          ],
        },
        { searchByAttributes: [{ attribute: 'createdAt', operator: 'BETWEEN', values: ['2026-01-01'] }] },
        { searchByAttributes: [{ attribute: 'createdAt', operator: 'GREATER_THAN', values: ['yesterday'] }] },
        { searchByAttributes: [{ attribute: 'faceMatchScore', operator: 'EQUALS', values: ['80'] }] },
        { searchByAttributes: [{ attribute: 'faceMatchScore', operator: 'STARTS_WITH', values: [8] }] },
        { searchByAttributes: [{ attribute: 'documentClassified', operator: 'EQUALS', values: ['yes'] }] },
        { searchByAttributes: [{ attribute: 'status', operator: 'EQUALS', values: [] }] },
        { orderByAttribute: { attribute: 'userReference' } },
        { attributes: ['secret'] },
        { cursor: 'garbage' },
        { cursor: `${cursor}x` },
        { cursor: tampered },
        // A cursor of another search (same client) is refused too.
        { cursor, orderByAttribute: { attribute: 'createdAt', order: 'ASC' } },
      ];
      for (const body of bad) {
        const page = await search(body);
        assert.equal(
          page.status,
          400,
          `${JSON.stringify(body)} → ${page.status} ${JSON.stringify(page.body)}`,
        );
        assert.ok(
          ['BAD_REQUEST', 'UNKNOWN_FIELD'].includes(String(page.body.error?.code)),
          JSON.stringify(page.body),
        );
      }
      // Another client's cursor does not verify for this one.
      const theirs = await search({ limit: 2 }, other.auth);
      assert.equal((await search({ limit: 2, cursor: theirs.body.nextCursor })).status, 400);
      assert.equal((await search({}, { authorization: 'Bearer nope' })).status, 401);
    });

    test('the common searches run on an index', async () => {
      const common: unknown[] = [
        {},
        { searchByAttributes: [{ attribute: 'status', operator: 'EQUALS', values: ['PROCESSED'] }] },
        { searchByAttributes: [{ attribute: 'decision', operator: 'IN', values: ['REJECTED', 'WARNING'] }] },
        {
          searchByAttributes: [
            { attribute: 'customerInternalReference', operator: 'EQUALS', values: ['order-1'] },
          ],
        },
        {
          searchByAttributes: [
            { attribute: 'createdAt', operator: 'BETWEEN', values: ['2026-01-01', '2026-02-01'] },
          ],
        },
        { orderByAttribute: { attribute: 'completedAt', order: 'DESC' } },
      ];
      for (const body of common) {
        const plan = await explainIdProofing(app, client.id, body, target.name === 'postgres');
        assert.match(plan, /executions_search_|executions_account_idx/, `${JSON.stringify(body)}:\n${plan}`);
        assert.doesNotMatch(
          plan,
          /SCAN workflow_executions\b(?! USING)|Seq Scan/,
          `${JSON.stringify(body)}:\n${plan}`,
        );
      }
    });
  });
}

/** The plan of a search; on PostgreSQL with sequential scans priced out (the test table is tiny). */
async function explainIdProofing(
  app: TestApp,
  clientId: string,
  body: unknown,
  postgres: boolean,
): Promise<string> {
  const request = IdProofingSearchRequest.parse(body);
  if (!postgres) return explainIdProofingSearch(app.idv.ctx, clientId, request);
  return app.idv.ctx.db.connection().execute(async (connection) => {
    const { sql } = await import('kysely');
    await sql`set enable_seqscan = off`.execute(connection);
    try {
      return await explainIdProofingSearch({ ...app.idv.ctx, db: connection }, clientId, request);
    } finally {
      await sql`set enable_seqscan = on`.execute(connection);
    }
  });
}
