import { IdvDocumentTypeStep } from './document-type-step.component.js';

export * from './document-type-step.component.js';

if (!customElements.get('idv-document-type-step'))
  customElements.define('idv-document-type-step', IdvDocumentTypeStep);

declare global {
  interface HTMLElementTagNameMap {
    'idv-document-type-step': IdvDocumentTypeStep;
  }
}
