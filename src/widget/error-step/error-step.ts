import { IdvErrorStep } from './error-step.component.js';

export * from './error-step.component.js';

if (!customElements.get('idv-error-step')) customElements.define('idv-error-step', IdvErrorStep);

declare global {
  interface HTMLElementTagNameMap {
    'idv-error-step': IdvErrorStep;
  }
}
