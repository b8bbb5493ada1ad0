import { IdvDoneStep } from './done-step.component.js';

export * from './done-step.component.js';

if (!customElements.get('idv-done-step')) customElements.define('idv-done-step', IdvDoneStep);

declare global {
  interface HTMLElementTagNameMap {
    'idv-done-step': IdvDoneStep;
  }
}
