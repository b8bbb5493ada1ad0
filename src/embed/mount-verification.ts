/**
 * Parent-page side of the iframe flow: puts the hosted page (`web.href`) into an iframe that may use the camera,
 * and turns the hosted page's messages into callbacks. Messages from any other origin or window are ignored.
 */
import { type HostedMessage, isHostedMessage } from '../hosted/messages.js';

export type { HostedMessage } from '../hosted/messages.js';

export interface VerificationCallbacks {
  /** Every message from the hosted page: `loaded`, `step`, `success`, `error`, `cancel`. */
  onEvent?(message: HostedMessage): void;
  /** Capture finished and was finalized. */
  onComplete?(result: { accountId: string; workflowExecutionId: string; status: string }): void;
  /** `recoverable: false` means the flow ended; `code` is one of the documented error codes. */
  onError?(error: {
    code: string;
    recoverable: boolean;
    accountId?: string;
    workflowExecutionId?: string;
  }): void;
  /** The user left the flow (e.g. declined consent). */
  onCancel?(cancel: { reason: string }): void;
}

export interface MountVerificationOptions extends VerificationCallbacks {
  /** Accessible name of the iframe. Default "Identity verification". */
  title?: string;
  /** Extra iframe attributes (e.g. a `class`). */
  className?: string;
}

export interface MountedVerification {
  readonly iframe: HTMLIFrameElement;
  /** Origin messages are accepted from (the origin of `webHref`). */
  readonly origin: string;
  /** Stops listening and removes the iframe. */
  destroy(): void;
}

export class EmbedError extends Error {
  override readonly name = 'EmbedError';
  constructor(
    readonly code: 'INVALID_WEB_HREF',
    message: string,
  ) {
    super(message);
  }
}

/**
 * @example
 * const { destroy } = mountVerification(document.querySelector('#verify'), webHref, {
 *   onComplete: ({ workflowExecutionId }) => showThanks(workflowExecutionId),
 *   onError: ({ code, recoverable }) => { if (!recoverable) showRetry(code); },
 * });
 */
export function mountVerification(
  container: Element,
  webHref: string,
  options: MountVerificationOptions = {},
): MountedVerification {
  let url: URL;
  try {
    url = new URL(webHref, window.location.href);
  } catch (cause) {
    throw new EmbedError('INVALID_WEB_HREF', `webHref is not a URL: ${String(cause)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new EmbedError('INVALID_WEB_HREF', 'webHref must be an http(s) URL');
  }
  const origin = url.origin;
  const iframe = document.createElement('iframe');
  iframe.src = url.href;
  // The hosted page needs the camera (and may go full screen on phones); nothing else is delegated.
  iframe.allow = 'camera; fullscreen';
  iframe.title = options.title ?? 'Identity verification';
  // The hosted page learns who frames it from the referrer where `ancestorOrigins` is missing; the origin is enough.
  iframe.referrerPolicy = 'origin';
  if (options.className) iframe.className = options.className;

  const onMessage = (event: MessageEvent) => {
    if (event.origin !== origin || event.source !== iframe.contentWindow) return;
    if (!isHostedMessage(event.data)) return;
    const message = event.data;
    options.onEvent?.(message);
    switch (message.type) {
      case 'success':
        options.onComplete?.({
          accountId: message.accountId,
          workflowExecutionId: message.workflowExecutionId,
          status: message.status,
        });
        break;
      case 'error':
        options.onError?.({
          code: message.code,
          recoverable: message.recoverable,
          ...(message.accountId ? { accountId: message.accountId } : {}),
          ...(message.workflowExecutionId ? { workflowExecutionId: message.workflowExecutionId } : {}),
        });
        break;
      case 'cancel':
        options.onCancel?.({ reason: message.reason });
        break;
    }
  };
  window.addEventListener('message', onMessage);
  container.append(iframe);
  return {
    iframe,
    origin,
    destroy() {
      window.removeEventListener('message', onMessage);
      iframe.remove();
    },
  };
}
