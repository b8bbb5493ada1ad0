/** The hosted page's side of the postMessage protocol: who frames us, and posting only to an allowed parent. */
import { HOSTED_MESSAGE_SOURCE, HOSTED_MESSAGE_VERSION, type HostedMessage } from './messages.js';

type Unbranded<M> = M extends unknown ? Omit<M, 'source' | 'version'> : never;
export type OutgoingMessage = Unbranded<HostedMessage>;

/**
 * The origin of the page that frames us: `location.ancestorOrigins` where the browser has it (it cannot be spoofed
 * by the parent), else the referrer's origin (the embed helper sets `referrerpolicy="origin"` on the iframe).
 */
export function parentOriginOf(win: Window): string | undefined {
  if (win.parent === win) return undefined;
  const ancestors = win.location.ancestorOrigins;
  if (ancestors && ancestors.length > 0) return ancestors[0];
  if (!win.document.referrer) return undefined;
  try {
    return new URL(win.document.referrer).origin;
  } catch {
    return undefined;
  }
}

export class ParentBridge {
  /** Set only when we are framed by one of the client's allowed origins. */
  readonly targetOrigin: string | undefined;
  readonly framed: boolean;

  constructor(
    allowedOrigins: readonly string[],
    private readonly win: Window = window,
  ) {
    this.framed = win.parent !== win;
    const parent = parentOriginOf(win);
    this.targetOrigin = parent && allowedOrigins.includes(parent) ? parent : undefined;
  }

  /** Never `*`: the browser drops the message if the parent is not (any longer) at the allowed origin. */
  post(message: OutgoingMessage): boolean {
    if (!this.targetOrigin) return false;
    this.win.parent.postMessage(
      { ...message, source: HOSTED_MESSAGE_SOURCE, version: HOSTED_MESSAGE_VERSION },
      this.targetOrigin,
    );
    return true;
  }
}
