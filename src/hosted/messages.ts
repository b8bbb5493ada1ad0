/**
 * The postMessage protocol between the hosted page (inside the customer's iframe) and the parent page helper
 * (`mountVerification`). The hosted page posts only to the parent's origin, and only when that origin is one of
 * the client's allowed origins; the helper accepts messages only from the hosted page's origin and its iframe.
 */
import type { StepId } from '../widget/events.js';

/** Every message carries this marker so the helper can ignore unrelated messages on the same window. */
export const HOSTED_MESSAGE_SOURCE = 'idv-capture';
/** Bumped only on incompatible changes to the message shapes. */
export const HOSTED_MESSAGE_VERSION = 1;

interface MessageBase {
  source: typeof HOSTED_MESSAGE_SOURCE;
  version: typeof HOSTED_MESSAGE_VERSION;
  /** Missing only when the page could not identify the verification (unknown token). */
  accountId?: string;
  workflowExecutionId?: string;
}

export type HostedMessage =
  /** The widget loaded its session and shows the first step. */
  | (MessageBase & { type: 'loaded' })
  | (MessageBase & { type: 'step'; step: StepId; index: number; total: number })
  /** Capture finished and was finalized (`status` is `ACQUIRED`, or later when it finished on another device). */
  | (MessageBase & { type: 'success'; accountId: string; workflowExecutionId: string; status: string })
  /** `code`: see the error codes in the README; `recoverable: false` means the flow ended. */
  | (MessageBase & { type: 'error'; code: string; recoverable: boolean })
  | (MessageBase & { type: 'cancel'; reason: string });

export type HostedMessageType = HostedMessage['type'];

const TYPES: ReadonlySet<string> = new Set<HostedMessageType>([
  'loaded',
  'step',
  'success',
  'error',
  'cancel',
]);

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

/** Structural check of untrusted message data (it crosses a trust boundary even from the right origin). */
export function isHostedMessage(value: unknown): value is HostedMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  if (m.source !== HOSTED_MESSAGE_SOURCE || m.version !== HOSTED_MESSAGE_VERSION) return false;
  if (typeof m.type !== 'string' || !TYPES.has(m.type)) return false;
  if (!optionalString(m.accountId) || !optionalString(m.workflowExecutionId)) return false;
  switch (m.type) {
    case 'step':
      return typeof m.step === 'string' && typeof m.index === 'number' && typeof m.total === 'number';
    case 'success':
      return (
        typeof m.accountId === 'string' &&
        typeof m.workflowExecutionId === 'string' &&
        typeof m.status === 'string'
      );
    case 'error':
      return typeof m.code === 'string' && typeof m.recoverable === 'boolean';
    case 'cancel':
      return typeof m.reason === 'string';
    default:
      return true;
  }
}
