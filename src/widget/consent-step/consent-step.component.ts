import { msg } from '@lit/localize';
import { html, nothing } from 'lit';
import { StepElement } from '../step-element.js';
import { stepStyles } from '../step-styles.js';
import { consentStepStyles } from './consent-step.styles.js';

/** Version of the consent text below; sent with the answer so the server records what was agreed to. */
export const CONSENT_TEXT_VERSION = '2026-11';

/**
 * First step: what will happen to the user's images, and their answer.
 *
 * @event consent-answer - `{accepted: boolean}` (internal to the widget).
 * @event handoff-requested - The user would rather continue on their phone (internal).
 * @csspart consent-panel - The step's container.
 */
export class IdvConsentStep extends StepElement {
  static override styles = [stepStyles, consentStepStyles];

  static override properties = {
    busy: { type: Boolean },
    offerHandoff: { attribute: false },
    selfieOnly: { attribute: false },
  };

  /** An answer is being sent: buttons are disabled. */
  declare busy: boolean;
  /** Show "Continue on your phone" (off on phones and on the phone side of a handoff). */
  declare offerHandoff: boolean;
  /** The session asks for no document, only a selfie (and liveness): returning-user authentication. */
  declare selfieOnly: boolean;

  constructor() {
    super();
    this.busy = false;
    this.offerHandoff = false;
    this.selfieOnly = false;
  }

  override render() {
    return html`
      <section part="consent-panel" aria-labelledby="consent-title">
        <h2 id="consent-title" tabindex="-1" data-step-heading>
          ${msg('Verify your identity', { id: 'consent.title' })}
        </h2>
        <p>
          ${
            this.selfieOnly
              ? msg(
                  'We will ask for a selfie. It is checked on this device, then sent securely to confirm that you are the person whose identity was verified before.',
                  { id: 'consent.body.selfie' },
                )
              : msg(
                  'We will ask for a photo of your ID document and a selfie. The photos are checked on this device, then sent securely to verify that the document is genuine and that it belongs to you.',
                  { id: 'consent.body' },
                )
          }
        </p>
        <ul>
          ${this.selfieOnly ? nothing : html`<li>${msg('Have your ID document ready.', { id: 'consent.tip.document' })}</li>`}
          <li>${msg('Find a well-lit place.', { id: 'consent.tip.light' })}</li>
          <li>${msg('It takes about two minutes.', { id: 'consent.tip.time' })}</li>
        </ul>
        <p class="legal">
          ${
            this.selfieOnly
              ? msg('By continuing you agree that your images are processed to confirm your identity.', {
                  id: 'consent.legal.selfie',
                })
              : msg(
                  'By continuing you agree that your images and the data on your document are processed for identity verification.',
                  { id: 'consent.legal' },
                )
          }
        </p>
        <div class="actions">
          <button
            class="primary"
            part="primary-button"
            type="button"
            ?disabled=${this.busy}
            @click=${() => this.emit('consent-answer', { accepted: true })}
          >
            ${msg('I agree, continue', { id: 'consent.accept' })}
          </button>
          <button
            type="button"
            part="secondary-button"
            ?disabled=${this.busy}
            @click=${() => this.emit('consent-answer', { accepted: false })}
          >
            ${msg('No, thanks', { id: 'consent.decline' })}
          </button>
          ${
            this.offerHandoff
              ? html`<button
                type="button"
                part="secondary-button"
                ?disabled=${this.busy}
                @click=${() => this.emit('handoff-requested')}
              >
                ${msg('Continue on your phone', { id: 'handoff.offer' })}
              </button>`
              : nothing
          }
        </div>
      </section>
    `;
  }
}
