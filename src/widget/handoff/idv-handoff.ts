import { IdvHandoff, type IdvHandoffEventDetails } from './idv-handoff.component.js';

export * from './idv-handoff.component.js';

if (!customElements.get('idv-handoff')) customElements.define('idv-handoff', IdvHandoff);

declare global {
  interface HTMLElementTagNameMap {
    'idv-handoff': IdvHandoff;
  }
  interface HTMLElementEventMap {
    'idv-handoff-complete': CustomEvent<IdvHandoffEventDetails['idv-handoff-complete']>;
    'idv-handoff-error': CustomEvent<IdvHandoffEventDetails['idv-handoff-error']>;
    'idv-handoff-close': CustomEvent<IdvHandoffEventDetails['idv-handoff-close']>;
  }
}
