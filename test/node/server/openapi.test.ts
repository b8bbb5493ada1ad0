/**
 * The OpenAPI document the server serves: valid for an independent validator (@apidevtools/swagger-parser, which
 * checks it against the OpenAPI 3.1 schema and resolves every $ref), in step with the routes the app really
 * answers (both ways), and the committed generated client types are the ones the document gives today.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import pino from 'pino';
import { CLIENT_TYPES_FILE, generateClientTypes } from '../../../scripts/generate-api-client.js';
import { createApp, type IdvApp } from '../../../src/server/app.js';
import { loadConfig } from '../../../src/server/config.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Document = { openapi: string; paths: Record<string, Record<string, { responses?: object }>> };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** `/api/{id}/x` → a regex; a trailing `{path}` takes slashes (static files). */
function templateRegex(template: string): RegExp {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((piece) =>
      piece === '{path}'
        ? '.+'
        : piece.startsWith('{')
          ? '[^/]+'
          : piece.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`);
}

/** A concrete path a hono route pattern answers: `:param` and `*` filled in. */
function samplePath(routePath: string): string {
  return routePath.replace(/:\w+(\{[^}]*\})?/g, 'sample').replace(/\*/g, 'dir/file.js');
}

/** A hono route pattern → a regex over concrete paths. */
function routeRegex(routePath: string): RegExp {
  const pattern = routePath
    .split(/(:\w+(?:\{[^}]*\})?|\*)/)
    .map((piece) =>
      piece === '*' ? '.*' : piece.startsWith(':') ? '[^/]+' : piece.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`);
}

describe('OpenAPI document', () => {
  let idv: IdvApp;
  let dataDir: string;
  let document: Document;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'idv-openapi-test-'));
    // Every optional route group on (admin API, demo), as the generated client sees them.
    idv = await createApp({
      config: loadConfig({
        IDV_DATA_DIR: dataDir,
        IDV_PUBLIC_URL: 'http://idv.test',
        IDV_ADMIN_TOKEN: 'openapi-test-admin-token-000000000',
      }),
      logger: pino({ level: 'silent' }),
      demo: true,
    });
    const response = await idv.app.request('/openapi.json');
    assert.equal(response.status, 200);
    document = (await response.json()) as Document;
  });
  after(async () => {
    await idv.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('docs/kyc-api.md lists every KYC API operation, and only those', () => {
    const documented = new Set(
      [
        ...readFileSync(new URL('../../../docs/kyc-api.md', import.meta.url), 'utf8').matchAll(
          /^\| [^|]+ \| [^|]+ \| `(GET|POST) (\/kyc\/v2[^`]*)`/gm,
        ),
      ].map((m) => `${m[1]} ${m[2]}`),
    );
    const served = new Set(
      Object.entries(document.paths)
        .filter(([path]) => path.startsWith('/kyc/'))
        .flatMap(([path, operations]) =>
          Object.keys(operations)
            .filter((method) => METHODS.includes(method))
            .map((method) => `${method.toUpperCase()} ${path}`),
        ),
    );
    assert.ok(served.size >= 53, `the KYC API has its operations (${served.size})`);
    assert.deepEqual([...documented].sort(), [...served].sort());
  });

  test('is a valid OpenAPI 3.1 document for an independent validator', async () => {
    assert.equal(document.openapi, '3.1.0');
    const validated = (await SwaggerParser.validate(
      structuredClone(document) as never,
    )) as unknown as Document;
    assert.ok(Object.keys(validated.paths).length > 30);
    // The validator really checks: a response without its required description is refused.
    const broken = structuredClone(document);
    const first = Object.values(broken.paths)[0];
    const operation = Object.values(first)[0] as { responses: Record<string, Record<string, unknown>> };
    delete Object.values(operation.responses)[0].description;
    await assert.rejects(SwaggerParser.validate(broken as never));
  });

  test('describes every route the server answers, and no route it does not', () => {
    const routes = idv.app.routes.filter((route) => METHODS.includes(route.method.toLowerCase()));
    const operations = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.keys(item)
        .filter((method) => METHODS.includes(method))
        .map((method) => ({ method, template })),
    );
    const undocumented = routes
      .filter(
        (route) =>
          !operations.some(
            (op) =>
              op.method === route.method.toLowerCase() &&
              templateRegex(op.template).test(samplePath(route.path)),
          ),
      )
      .map((route) => `${route.method} ${route.path}`);
    assert.deepEqual([...new Set(undocumented)], [], 'routes missing from the document');
    const unanswered = operations
      .filter(
        (op) =>
          !routes.some(
            (route) =>
              route.method.toLowerCase() === op.method &&
              routeRegex(route.path).test(
                op.template.replace(/\{version\}/g, '0.1.0').replace(/\{[^}]+\}/g, 'x'),
              ),
          ),
      )
      .map((op) => `${op.method.toUpperCase()} ${op.template}`);
    assert.deepEqual(unanswered, [], 'documented operations no route answers');
    for (const path of [
      '/ping',
      '/livez',
      '/metrics',
      '/web/v1/app',
      '/sdk/{path}',
      '/api/web/v1/idproofing',
    ])
      assert.ok(document.paths[path], `${path} is documented`);
  });

  test('the committed generated client types are current', async () => {
    const committed = readFileSync(CLIENT_TYPES_FILE, 'utf8');
    const generated = await generateClientTypes();
    assert.ok(
      committed === generated,
      'src/client/api-types.ts is stale: run `npx tsx scripts/generate-api-client.ts` and commit the result',
    );
  });
});
