import { IdvConsentStep } from './consent-step.component.js';

export * from './consent-step.component.js';

if (!customElements.get('idv-consent-step')) customElements.define('idv-consent-step', IdvConsentStep);

declare global {
  interface HTMLElementTagNameMap {
    'idv-consent-step': IdvConsentStep;
  }
}
