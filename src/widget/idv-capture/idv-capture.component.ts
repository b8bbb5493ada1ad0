import { html, LitElement } from 'lit';
import { idvEvent } from '../events.js';
import { idvCaptureStyles } from './idv-capture.styles.js';

/**
 * Runs the identity-verification capture flow on the user's device.
 *
 * Foundation stage: the element, its public properties and events exist; the step machine, capture screens and
 * transport arrive with the widget work (see README, "Status").
 *
 * @event idv-ready - The element is connected and ready.
 * @event idv-step-change - The flow moved to another step: `{step, index, total}`.
 * @event idv-cancel - The user left the flow: `{reason}`.
 *
 * @csspart panel - The card that holds every step.
 * @csspart primary-button - The main action of a step.
 *
 * @cssproperty --idv-color-primary - Accent colour of actions. Default `#1f5eff`.
 * @cssproperty --idv-color-surface - Panel background. Default `#ffffff`.
 * @cssproperty --idv-color-text - Text colour. Default `#1a1d24`.
 * @cssproperty --idv-radius - Corner radius. Default `12px`.
 * @cssproperty --idv-font - Font stack. Default the system UI font.
 */
export class IdvCapture extends LitElement {
  static override styles = idvCaptureStyles;

  static override properties = {
    token: { type: String },
    apiBase: { type: String, attribute: 'api-base' },
    assetBase: { type: String, attribute: 'asset-base' },
    locale: { type: String },
    successUrl: { type: String, attribute: 'success-url' },
    errorUrl: { type: String, attribute: 'error-url' },
  };

  /** The workflow token (`sdk.token` of account creation). Required. */
  declare token: string;
  /** Backend origin; defaults to the origin that served the script. */
  declare apiBase: string | undefined;
  /** Where wasm and models are served from; defaults to `assets/` next to the script. */
  declare assetBase: string | undefined;
  /** BCP 47 locale; defaults to the session's locale, then `navigator.language`. */
  declare locale: string | undefined;
  declare successUrl: string | undefined;
  declare errorUrl: string | undefined;

  constructor() {
    super();
    this.token = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    queueMicrotask(() => {
      this.dispatchEvent(idvEvent('idv-ready', {}));
      this.dispatchEvent(idvEvent('idv-step-change', { step: 'consent', index: 0, total: 1 }));
    });
  }

  override render() {
    return html`
      <section part="panel" aria-labelledby="title">
        <h2 id="title" tabindex="-1">Verify your identity</h2>
        <p>We will ask for a photo of your ID document and a selfie. Images are checked on this device before upload.</p>
        <div class="actions">
          <button part="primary-button" type="button" disabled>Continue</button>
          <button type="button" @click=${this.cancel}>Not now</button>
        </div>
      </section>
    `;
  }

  private cancel(): void {
    this.dispatchEvent(idvEvent('idv-cancel', { reason: 'consent-declined' }));
  }
}
