/**
 * The OpenAPI entries of the routes that are plain hono handlers rather than `createRoute` ones: text and
 * Prometheus answers, the hosted page, redirects and static files. Their handlers stream files or HTML, which
 * `@hono/zod-openapi` cannot type; the document still lists them so it describes every route the server answers
 * (`test/node/server/openapi.test.ts` compares the document with the app's routes).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApiErrorBody } from '../../shared/api/index.js';

const text = (description: string) => ({
  description,
  content: { 'text/plain': { schema: z.string() } },
});
const binary = (description: string, types: string[]) => ({
  description,
  content: Object.fromEntries(types.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }])),
});
const notFound = {
  description: 'No such file',
  content: { 'application/json': { schema: ApiErrorBody } },
};
const redirect = (description: string) => ({
  description,
  headers: { Location: { schema: { type: 'string' as const } } },
});
const STATIC_TYPES = [
  'text/javascript',
  'text/css',
  'application/wasm',
  'application/octet-stream',
  'application/json',
];

/** A file path under a static prefix (may contain slashes). */
const filePath = z.string().min(1).meta({ description: 'Path of the file under the prefix' });

export function registerPlainRoutes(registry: OpenAPIHono['openAPIRegistry']): void {
  registry.registerPath({
    method: 'get',
    path: '/ping',
    tags: ['operations'],
    summary: 'Liveness probe as text',
    responses: { 200: text('`pong`') },
  });
  registry.registerPath({
    method: 'get',
    path: '/livez',
    tags: ['operations'],
    summary: 'Liveness probe (the process answers; no dependency is checked)',
    responses: {
      200: {
        description: 'Alive',
        content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics (Bearer IDV_METRICS_TOKEN when the operator set one)',
    security: [{}, { bearerAuth: [] }],
    responses: {
      200: text('Prometheus text exposition format 0.0.4'),
      401: {
        description: 'Metrics token required',
        content: { 'application/json': { schema: ApiErrorBody } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: ['operations'],
    summary: 'This document',
    responses: {
      200: {
        description: 'OpenAPI 3.1',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/web/v1/app',
    tags: ['hosted'],
    summary: 'The hosted capture page (`web.href` of account creation) for the iframe and redirect flows',
    request: {
      query: z.object({
        authorizationToken: z.string().optional().meta({ description: 'The workflow token' }),
        workflowExecutionId: z
          .string()
          .optional()
          .meta({ description: 'On a reload: the execution whose page cookie proves the token' }),
        locale: z.string().optional(),
        theme: z.enum(['light', 'dark', 'auto']).optional(),
        handoff: z
          .literal('1')
          .optional()
          .meta({ description: 'Opened from a handoff link on a second device' }),
      }),
    },
    responses: {
      200: {
        description: 'The HTML page (without a valid token it shows nothing of any execution)',
        content: { 'text/html': { schema: z.string() } },
      },
      404: notFound,
    },
  });
  const files: Array<[string, string, string]> = [
    ['/web/v1/assets/{path}', 'hosted', 'Scripts and styles of the hosted page'],
    [
      '/sdk/{path}',
      'sdk',
      'The embed bundle (`idv-capture.js`), the iframe helper (`embed.js`) and their chunks',
    ],
    ['/sdk/assets/{path}', 'sdk', 'Wasm runtimes and models the widget loads'],
    ['/sdk/v{version}/{path}', 'sdk', 'The embed bundle of one version (cached for a year)'],
    ['/sdk/v{version}/assets/{path}', 'sdk', 'Wasm runtimes and models of one version (cached for a year)'],
  ];
  for (const [path, tag, summary] of files) {
    registry.registerPath({
      method: 'get',
      path,
      tags: [tag],
      summary,
      request: {
        params: path.includes('{version}')
          ? z.object({
              version: z.string().meta({ description: 'The server version, e.g. 0.1.0' }),
              path: filePath,
            })
          : z.object({ path: filePath }),
      },
      responses: { 200: binary('The file', STATIC_TYPES), 404: notFound },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/',
    tags: ['static'],
    summary: 'Redirect to the demo page',
    responses: { 302: redirect('To /demo/') },
  });
  registry.registerPath({
    method: 'get',
    path: '/demo',
    tags: ['static'],
    summary: 'Redirect to the demo page',
    responses: { 301: redirect('To /demo/') },
  });
  registry.registerPath({
    method: 'get',
    path: '/demo/{path}',
    tags: ['static'],
    summary: 'The demo customer page and its files',
    request: { params: z.object({ path: filePath }) },
    responses: { 200: binary('The file', ['text/html', ...STATIC_TYPES]), 404: notFound },
  });
}
