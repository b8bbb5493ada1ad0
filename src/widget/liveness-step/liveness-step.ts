import { IdvLivenessStep } from './liveness-step.component.js';

export * from './liveness-step.component.js';

if (!customElements.get('idv-liveness-step')) customElements.define('idv-liveness-step', IdvLivenessStep);

declare global {
  interface HTMLElementTagNameMap {
    'idv-liveness-step': IdvLivenessStep;
  }
}
