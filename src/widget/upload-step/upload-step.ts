import { IdvUploadStep } from './upload-step.component.js';

export * from './upload-step.component.js';

if (!customElements.get('idv-upload-step')) customElements.define('idv-upload-step', IdvUploadStep);

declare global {
  interface HTMLElementTagNameMap {
    'idv-upload-step': IdvUploadStep;
  }
}
