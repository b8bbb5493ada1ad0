/**
 * The hosted capture page (`web.href` of account creation) for the iframe and redirect flows. The server renders
 * the page shell itself so it can put what the page must know before any API call into it: the client's allowed
 * origins (framing and postMessage targets) and the redirect URLs (so even an expired token lands on the error
 * URL). The script itself is static (`dist/hosted/`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { findClient } from '../auth/clients.js';
import type { AppEnv, ServerContext } from '../context.js';
import { findExecutionByToken } from '../auth/workflow-tokens.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import { packageVersion } from './ops.js';

/** What the hosted script reads from `#idv-hosted` (`data-*`); see `src/hosted/hosted-config.ts`. */
export interface HostedPageData {
  allowedOrigins: string[];
  accountId?: string;
  workflowExecutionId?: string;
  successUrl?: string;
  errorUrl?: string;
  locale: string;
  apiBase: string;
  /** The page was opened from a handoff link on a second device. */
  handoff: boolean;
}

const RIGHT_TO_LEFT = new Set(['ar', 'he', 'fa', 'ur']);

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** Origins are stored normalized (`scheme://host[:port]`); anything else never reaches a CSP header. */
function cspOrigins(origins: string[]): string {
  const safe = origins.filter((origin) => /^https?:\/\/[a-z0-9.[\]:-]+$/i.test(origin));
  return safe.length > 0 ? safe.join(' ') : "'none'";
}

/**
 * Strict CSP: our own scripts only, wasm compilation for MediaPipe and zxing, camera frames as `mediastream:` /
 * `blob:`, and framing only by the client's allowed origins.
 */
export function hostedPageCsp(allowedOrigins: string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors ${cspOrigins(allowedOrigins)}`,
  ].join('; ');
}

/** Headers every hosted page answer carries: the token in its URL must not leak, and only we use the camera. */
export function hostedPageHeaders(allowedOrigins: string[]): Record<string, string> {
  return {
    'Content-Security-Policy': hostedPageCsp(allowedOrigins),
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Permissions-Policy': 'camera=(self), microphone=(), geolocation=(), fullscreen=(self)',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin-allow-popups',
  };
}

export function renderHostedPage(data: HostedPageData, version: string): string {
  const attributes: Array<[string, string | undefined]> = [
    ['data-allowed-origins', JSON.stringify(data.allowedOrigins)],
    ['data-account-id', data.accountId],
    ['data-workflow-execution-id', data.workflowExecutionId],
    ['data-success-url', data.successUrl],
    ['data-error-url', data.errorUrl],
    ['data-locale', data.locale],
    ['data-api-base', data.apiBase],
    ['data-handoff', data.handoff ? 'true' : undefined],
  ];
  const dataAttributes = attributes
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}="${escapeHtml(value)}"`)
    .join(' ');
  const v = encodeURIComponent(version);
  return `<!doctype html>
<html lang="${escapeHtml(data.locale)}" dir="${RIGHT_TO_LEFT.has(data.locale.toLowerCase().split(/[-_]/)[0] ?? '') ? 'rtl' : 'ltr'}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <meta name="robots" content="noindex" />
    <title>Identity verification</title>
    <link rel="stylesheet" href="/web/v1/assets/hosted.css?v=${v}" />
    <link rel="modulepreload" href="/sdk/v${v}/idv-capture.js" />
  </head>
  <body>
    <main id="idv-hosted" ${dataAttributes}></main>
    <script type="module" src="/sdk/v${v}/idv-capture.js"></script>
    <script type="module" src="/web/v1/assets/hosted.js?v=${v}"></script>
  </body>
</html>
`;
}

/** A page without scripts for links that cannot be used (handoff links used twice, expired, unknown). */
export function renderNoticePage(notice: { title: string; body: string; code: string }): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <meta name="robots" content="noindex" />
    <title>${escapeHtml(notice.title)}</title>
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh;
        background: #f4f5f8; color: #1a1d24; }
      main { max-width: 28rem; margin: 1rem; padding: 1.5rem; background: #fff; border-radius: 12px; }
      h1 { font-size: 1.3rem; margin-top: 0; color: #b3261e; }
      code { color: #4f5666; }
    </style>
  </head>
  <body>
    <main data-error-code="${escapeHtml(notice.code)}">
      <h1>${escapeHtml(notice.title)}</h1>
      <p>${escapeHtml(notice.body)}</p>
      <p><code>${escapeHtml(notice.code)}</code></p>
    </main>
  </body>
</html>
`;
}

export const NOTICE_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

async function allowedOriginsOf(ctx: ServerContext, row: ExecutionRow | undefined): Promise<string[]> {
  if (!row) return [];
  return (await findClient(ctx.db, row.client_id))?.allowedOrigins ?? [];
}

/** The reload cookie of one execution's hosted page (its value is the workflow token; HttpOnly). */
function reloadCookie(executionId: string): string {
  return `idv_hosted_${executionId.replace(/-/g, '')}`;
}

export function hostedRoutes(ctx: ServerContext) {
  const router = new Hono<AppEnv>();
  const version = packageVersion(ctx.config.staticRoot);
  const built = () => existsSync(join(ctx.config.staticRoot, 'dist', 'hosted'));

  router.get('/web/v1/app', async (c, next) => {
    if (!built()) return next();
    // Nothing about an execution (ids, redirect URLs, the client's origins) without its token (issue #18). After
    // load the page drops the token from its URL and keeps only the execution id; a reload (inside the customer's
    // iframe too) proves the token with the cookie set here, scoped to this page and this execution.
    const fromUrl = c.req.query('authorizationToken');
    const executionId = c.req.query('workflowExecutionId');
    const cookieName =
      executionId && /^[A-Za-z0-9-]{1,64}$/.test(executionId) ? reloadCookie(executionId) : undefined;
    const token = fromUrl ?? (cookieName ? getCookie(c, cookieName) : undefined);
    let row: ExecutionRow | undefined = token ? await findExecutionByToken(ctx, token) : undefined;
    if (row && !fromUrl && row.id !== executionId) row = undefined;
    if (row && fromUrl) {
      const seconds = Math.floor((Date.parse(row.token_expires_at) - ctx.clock.now().getTime()) / 1000);
      if (seconds > 0) {
        setCookie(c, reloadCookie(row.id), fromUrl, {
          path: '/web/v1/app',
          httpOnly: true,
          secure: true,
          sameSite: 'None',
          // Its own jar per embedding site (CHIPS), so the iframe flow can reload where third-party cookies are off.
          partitioned: true,
          maxAge: seconds,
        });
      }
    }
    const allowedOrigins = await allowedOriginsOf(ctx, row);
    const requested = c.req.query('locale');
    const locale =
      requested && /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(requested)
        ? requested
        : (row?.locale ?? 'en');
    const page = renderHostedPage(
      {
        allowedOrigins,
        ...(row
          ? {
              accountId: row.account_id,
              workflowExecutionId: row.id,
              ...(row.success_url ? { successUrl: row.success_url } : {}),
              ...(row.error_url ? { errorUrl: row.error_url } : {}),
            }
          : {}),
        locale,
        apiBase: ctx.config.publicUrl,
        handoff: c.req.query('handoff') === '1',
      },
      version,
    );
    return c.html(page, 200, hostedPageHeaders(allowedOrigins));
  });
  return router;
}
