import { IdvCaptureStep } from './capture-step.component.js';

export * from './capture-step.component.js';

if (!customElements.get('idv-capture-step')) customElements.define('idv-capture-step', IdvCaptureStep);

declare global {
  interface HTMLElementTagNameMap {
    'idv-capture-step': IdvCaptureStep;
  }
}
