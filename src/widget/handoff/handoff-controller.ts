/**
 * Owns a cross-device handoff for `<idv-handoff>`: asks the backend for a single-use link, draws its QR code
 * locally (`qrcode`, no network), and polls `GET /api/v1/session` with the desktop's own token to follow the phone.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import QRCode from 'qrcode';
import type { HandoffResponse } from '../../shared/api/handoff.js';

export type HandoffPhase =
  | 'idle'
  | 'issuing'
  | 'waiting'
  | 'in-progress'
  | 'done'
  | 'link-expired'
  | 'failed';

export interface HandoffProgress {
  consentGiven: boolean;
  partsReceived: number;
  partsExpected: number;
}

export interface HandoffOutcome {
  accountId: string;
  workflowExecutionId: string;
  status: string;
}

export interface HandoffControllerOptions {
  token(): string;
  apiBase(): string;
  /** How often the desktop asks for progress. Default 2000 ms. */
  pollMs?(): number | undefined;
  onComplete(outcome: HandoffOutcome): void;
  onError(code: string): void;
}

/** The few fields of `GET /api/v1/session` the desktop view needs (checked by hand: this chunk carries no zod). */
interface SessionProgress {
  accountId: string;
  workflowExecutionId: string;
  status: string;
  progress: HandoffProgress;
}

const ENDED_STATUSES = new Set(['SESSION_EXPIRED', 'TOKEN_EXPIRED']);
const FINISHED_STATUSES = new Set(['ACQUIRED', 'PROCESSED']);

export class HandoffError extends Error {
  override readonly name = 'HandoffError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON is narrowed field by field below
function readProgress(body: any): SessionProgress {
  const status = body?.workflowExecution?.status;
  if (typeof status !== 'string' || typeof body?.account?.id !== 'string') {
    throw new HandoffError('INTERNAL_ERROR', 'Unexpected session answer');
  }
  const credentials: Array<{ category?: string }> = Array.isArray(body.credentials) ? body.credentials : [];
  const passport = body.document?.chosen?.type === 'PASSPORT';
  const partsExpected = credentials.reduce((sum, credential) => {
    if (credential.category === 'ID') return sum + (passport ? 1 : 2);
    if (credential.category === 'SELFIE') return sum + 1;
    return sum;
  }, 0);
  return {
    accountId: body.account.id,
    workflowExecutionId: body.workflowExecution.id,
    status,
    progress: {
      consentGiven: body.consent?.given === true,
      partsReceived: Array.isArray(body.parts) ? body.parts.length : 0,
      partsExpected,
    },
  };
}

async function errorCodeOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    if (typeof body.error?.code === 'string') return body.error.code;
  } catch {
    // not JSON: fall through to the status
  }
  return response.status === 401 ? 'INVALID_TOKEN' : 'INTERNAL_ERROR';
}

export class HandoffController implements ReactiveController {
  phase: HandoffPhase = 'idle';
  link: HandoffResponse | undefined;
  /** SVG markup produced locally by `qrcode` from our own link (no user input reaches it). */
  qrSvg: string | undefined;
  progress: HandoffProgress = { consentGiven: false, partsReceived: 0, partsExpected: 0 };
  errorCode: string | undefined;

  private timer: ReturnType<typeof setTimeout> | undefined;
  private abort: AbortController | undefined;
  private connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: HandoffControllerOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    if (
      this.link &&
      (this.phase === 'waiting' || this.phase === 'in-progress' || this.phase === 'link-expired')
    ) {
      this.schedulePoll(0);
    }
  }

  hostDisconnected(): void {
    this.connected = false;
    this.stopPolling();
  }

  /** Issues a new link (the old one, if any, simply expires unused) and starts following progress. */
  async start(): Promise<void> {
    this.stopPolling();
    this.abort = new AbortController();
    this.setPhase('issuing');
    try {
      const response = await fetch(new URL('/api/v1/session/handoff', this.options.apiBase()), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.token()}` },
        signal: this.abort.signal,
      });
      if (!response.ok)
        throw new HandoffError(await errorCodeOf(response), 'Could not start the handoff', response.status);
      const link = (await response.json()) as HandoffResponse;
      if (typeof link.url !== 'string' || typeof link.expiresAt !== 'string') {
        throw new HandoffError('INTERNAL_ERROR', 'Unexpected handoff answer');
      }
      this.qrSvg = await QRCode.toString(link.url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      this.link = link;
      this.setPhase('waiting');
      this.schedulePoll(0);
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.fail(error instanceof HandoffError ? error.code : 'NETWORK_ERROR');
    }
  }

  stop(): void {
    this.stopPolling();
    this.abort?.abort();
  }

  private stopPolling(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedulePoll(delay: number): void {
    if (!this.connected) return;
    this.stopPolling();
    this.timer = setTimeout(() => void this.poll(), delay);
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    let session: SessionProgress;
    try {
      const response = await fetch(new URL('/api/v1/session', this.options.apiBase()), {
        headers: { authorization: `Bearer ${this.options.token()}` },
        cache: 'no-store',
        ...(this.abort ? { signal: this.abort.signal } : {}),
      });
      if (response.status === 401 || response.status === 403) {
        this.fail(await errorCodeOf(response));
        return;
      }
      if (!response.ok) throw new HandoffError('NETWORK_ERROR', `HTTP ${response.status}`);
      session = readProgress(await response.json());
    } catch {
      // A dropped connection is normal on a laptop; keep following until the link and session say otherwise.
      if (!this.abort?.signal.aborted) this.schedulePoll(this.pollMs() * 2);
      return;
    }
    this.progress = session.progress;
    if (FINISHED_STATUSES.has(session.status)) {
      this.setPhase('done');
      this.options.onComplete({
        accountId: session.accountId,
        workflowExecutionId: session.workflowExecutionId,
        status: session.status,
      });
      return;
    }
    if (ENDED_STATUSES.has(session.status)) {
      this.fail(session.status);
      return;
    }
    const started = session.progress.consentGiven || session.progress.partsReceived > 0;
    const linkExpired = this.link ? Date.now() >= Date.parse(this.link.expiresAt) : false;
    this.setPhase(started ? 'in-progress' : linkExpired ? 'link-expired' : 'waiting');
    this.schedulePoll(this.pollMs());
  }

  private pollMs(): number {
    return this.options.pollMs?.() ?? 2000;
  }

  private fail(code: string): void {
    this.stopPolling();
    this.errorCode = code;
    this.setPhase('failed');
    this.options.onError(code);
  }

  private setPhase(phase: HandoffPhase): void {
    this.phase = phase;
    this.host.requestUpdate();
  }
}
