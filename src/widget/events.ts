/**
 * The element's public events (DESIGN.md §3): bubbling, composed, typed `detail`, all prefixed `idv-`.
 */
export type StepId =
  | 'consent'
  | 'document-type'
  | 'document-front'
  | 'document-back'
  | 'selfie'
  | 'liveness'
  | 'upload'
  | 'done'
  | 'error';

export interface IdvEventDetails {
  'idv-ready': Record<string, never>;
  'idv-step-change': { step: StepId; index: number; total: number };
  'idv-capture': {
    part: string;
    method: 'auto' | 'manual' | 'upload';
    width: number;
    height: number;
    bytes: number;
  };
  'idv-upload-progress': { part: string; loaded: number; total: number };
  'idv-complete': { accountId: string; workflowExecutionId: string; status: string };
  /** `code`: a stable `WidgetErrorCode` (see widget-error.ts); `recoverable: false` ends the flow. */
  'idv-error': { code: string; message: string; recoverable: boolean };
  'idv-cancel': { reason: string };
}

export type IdvEventName = keyof IdvEventDetails;

/** A typed `CustomEvent` for each name; created through {@link idvEvent} so options are always the same. */
export type IdvEvent<K extends IdvEventName> = CustomEvent<IdvEventDetails[K]>;

/**
 * Bubbling and composed, so the page hears it from outside the shadow root. `idv-complete`, `idv-error` and
 * `idv-cancel` are cancelable: `preventDefault()` keeps the widget from leaving for the success / error URL.
 */
export function idvEvent<K extends IdvEventName>(
  name: K,
  detail: IdvEventDetails[K],
  options: { cancelable?: boolean } = {},
): IdvEvent<K> {
  return new CustomEvent(name, {
    detail,
    bubbles: true,
    composed: true,
    cancelable: options.cancelable ?? false,
  });
}

declare global {
  interface HTMLElementEventMap {
    'idv-ready': IdvEvent<'idv-ready'>;
    'idv-step-change': IdvEvent<'idv-step-change'>;
    'idv-capture': IdvEvent<'idv-capture'>;
    'idv-upload-progress': IdvEvent<'idv-upload-progress'>;
    'idv-complete': IdvEvent<'idv-complete'>;
    'idv-error': IdvEvent<'idv-error'>;
    'idv-cancel': IdvEvent<'idv-cancel'>;
  }
}
