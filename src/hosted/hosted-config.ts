/**
 * What the hosted page knows at load: rendered by the server into `#idv-hosted` (`data-*`, see
 * `src/server/routes/hosted.ts`) plus the workflow token, which arrives in the URL and is moved out of it at once.
 */
export interface HostedConfig {
  token: string | undefined;
  allowedOrigins: string[];
  accountId: string | undefined;
  workflowExecutionId: string | undefined;
  successUrl: string | undefined;
  errorUrl: string | undefined;
  locale: string;
  apiBase: string;
  /** Opened from a handoff link: this is the second device, the first one finishes the flow. */
  handoff: boolean;
  theme: 'light' | 'dark' | 'auto' | undefined;
}

const TOKEN_PARAM = 'authorizationToken';
const THEMES = new Set(['light', 'dark', 'auto']);

function parseOrigins(value: string | undefined): string[] {
  try {
    const parsed: unknown = JSON.parse(value ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

function storageKey(executionId: string | undefined): string {
  return `idv-hosted-token:${executionId ?? 'unknown'}`;
}

/**
 * Reads the config and takes the token out of the address bar (`history.replaceState`), so it stays out of history,
 * bookmarks and screenshots of the URL; it lives on in this tab's sessionStorage so a reload resumes the flow.
 */
export function takeHostedConfig(root: HTMLElement, win: Window = window): HostedConfig {
  const data = root.dataset;
  const url = new URL(win.location.href);
  const workflowExecutionId = data.workflowExecutionId || undefined;
  let token = url.searchParams.get(TOKEN_PARAM) ?? undefined;
  const key = storageKey(workflowExecutionId);
  try {
    if (token) win.sessionStorage.setItem(key, token);
    else token = win.sessionStorage.getItem(key) ?? undefined;
  } catch {
    // Storage can be blocked (third-party iframe settings): the flow still works, a reload will not resume.
  }
  if (url.searchParams.has(TOKEN_PARAM)) {
    url.searchParams.delete(TOKEN_PARAM);
    if (workflowExecutionId) url.searchParams.set('workflowExecutionId', workflowExecutionId);
    win.history.replaceState(win.history.state, '', url.href);
  }
  const theme = url.searchParams.get('theme') ?? '';
  return {
    token,
    allowedOrigins: parseOrigins(data.allowedOrigins),
    accountId: data.accountId || undefined,
    workflowExecutionId,
    successUrl: data.successUrl || undefined,
    errorUrl: data.errorUrl || undefined,
    locale: data.locale || 'en',
    apiBase: data.apiBase || win.location.origin,
    handoff: data.handoff === 'true',
    theme: THEMES.has(theme) ? (theme as HostedConfig['theme']) : undefined,
  };
}
