import { IdvCapture } from './idv-capture.component.js';

export * from './idv-capture.component.js';

if (!customElements.get('idv-capture')) customElements.define('idv-capture', IdvCapture);

declare global {
  interface HTMLElementTagNameMap {
    'idv-capture': IdvCapture;
  }
}
