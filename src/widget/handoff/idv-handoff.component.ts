import { msg, str, updateWhenLocaleChanges } from '@lit/localize';
import { html, LitElement, nothing } from 'lit';
import { unsafeSVG } from 'lit/directives/unsafe-svg.js';
import { HandoffController, type HandoffOutcome } from './handoff-controller.js';
import { handoffStyles } from './idv-handoff.styles.js';

export interface IdvHandoffEventDetails {
  'idv-handoff-complete': HandoffOutcome;
  'idv-handoff-error': { code: string };
  'idv-handoff-close': Record<string, never>;
}

/**
 * "Continue on your phone": shows a QR code and a short single-use link for the current verification, then
 * follows the phone's progress and reports when it finished. The desktop's own token keeps working, so the user
 * may still come back and finish here ("Use this device instead").
 *
 * @example
 * <idv-handoff token="…" api-base="https://idv.example.com"></idv-handoff>
 *
 * @event idv-handoff-complete - The phone finalized the capture: `{accountId, workflowExecutionId, status}`.
 * @event idv-handoff-error - The session ended or the link could not be made: `{code}`.
 * @event idv-handoff-close - The user wants to continue on this device.
 *
 * @csspart panel - The card.
 * @csspart qr-code - The QR code of the link.
 * @csspart link - The link as text.
 * @csspart status - The live progress line.
 * @csspart primary-button - The main action.
 * @csspart secondary-button - "Use this device instead".
 *
 * @cssproperty --idv-color-primary - Accent colour of actions.
 * @cssproperty --idv-color-surface - Panel background.
 * @cssproperty --idv-color-text - Text colour.
 * @cssproperty --idv-radius - Corner radius.
 */
export class IdvHandoff extends LitElement {
  static override styles = handoffStyles;

  static override properties = {
    token: { type: String },
    apiBase: { type: String, attribute: 'api-base' },
    locale: { type: String },
    theme: { type: String, reflect: true },
    pollMs: { type: Number, attribute: 'poll-ms' },
  };

  /** The desktop's workflow token. */
  declare token: string;
  /** Backend origin; default this page's origin. */
  declare apiBase: string | undefined;
  /** BCP 47; the page's localization runtime decides the strings, this sets `lang`. */
  declare locale: string | undefined;
  declare theme: 'light' | 'dark' | undefined;
  /** How often progress is polled (default 2000 ms). */
  declare pollMs: number | undefined;

  private readonly handoff = new HandoffController(this, {
    token: () => this.token,
    apiBase: () => this.apiBase ?? window.location.origin,
    pollMs: () => this.pollMs,
    onComplete: (outcome) => this.emit('idv-handoff-complete', outcome),
    onError: (code) => this.emit('idv-handoff-error', { code }),
  });

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.token = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.locale) this.setAttribute('lang', this.locale);
    if (this.handoff.phase === 'idle') void this.handoff.start();
  }

  /** Lets a host move focus here when it shows this view (the panel stays while its content changes). */
  async focusHeading(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[part=panel]')?.focus();
  }

  private emit<K extends keyof IdvHandoffEventDetails>(name: K, detail: IdvHandoffEventDetails[K]): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private close(): void {
    this.handoff.stop();
    this.emit('idv-handoff-close', {});
  }

  override render() {
    return html`<section part="panel" tabindex="-1" aria-labelledby="handoff-title">${this.renderPhase()}</section>`;
  }

  private renderPhase() {
    const handoff = this.handoff;
    switch (handoff.phase) {
      case 'idle':
      case 'issuing':
        return html`<h2 id="handoff-title">${msg('Continue on your phone', { id: 'handoff.title' })}</h2>
          <p role="status">${msg('Preparing a code…', { id: 'handoff.preparing' })}</p>`;
      case 'done':
        return html`<div class="mark" aria-hidden="true">✓</div>
          <h2 id="handoff-title">${msg('Finished on your phone', { id: 'handoff.done.title' })}</h2>
          <p role="status">${msg('Your photos were sent from your phone. You can continue here.', { id: 'handoff.done.body' })}</p>`;
      case 'failed':
        return html`<h2 id="handoff-title" class="error">
            ${msg('Continuing on a phone is not possible', { id: 'handoff.failed.title' })}
          </h2>
          <p role="alert">${this.failureText(handoff.errorCode)}</p>
          <div class="actions">
            <button part="secondary-button" type="button" @click=${() => this.close()}>
              ${msg('Back', { id: 'handoff.back' })}
            </button>
          </div>`;
      default:
        return this.renderLink();
    }
  }

  private renderLink() {
    const handoff = this.handoff;
    const link = handoff.link;
    const expiresAt = link
      ? new Intl.DateTimeFormat(this.locale ?? undefined, { hour: '2-digit', minute: '2-digit' }).format(
          new Date(link.expiresAt),
        )
      : '';
    const { partsReceived, partsExpected } = handoff.progress;
    const status =
      handoff.phase === 'in-progress'
        ? msg(str`Your phone is on it: ${partsReceived} of ${partsExpected} photos received.`, {
            id: 'handoff.status.progress',
          })
        : handoff.phase === 'link-expired'
          ? msg('The code expired before it was used.', { id: 'handoff.status.expired' })
          : msg('Waiting for your phone…', { id: 'handoff.status.waiting' });
    return html`<h2 id="handoff-title">${msg('Continue on your phone', { id: 'handoff.title' })}</h2>
      <p>
        ${msg(
          'Scan this code with your phone’s camera, or open the link below on your phone. Keep this page open.',
          {
            id: 'handoff.instructions',
          },
        )}
      </p>
      ${
        handoff.qrSvg && handoff.phase !== 'link-expired'
          ? html`<div part="qr-code" role="img" aria-label=${msg('QR code of the link below', { id: 'handoff.qr.label' })}>
              ${unsafeSVG(handoff.qrSvg)}
            </div>`
          : nothing
      }
      ${link && handoff.phase !== 'link-expired' ? html`<p part="link">${link.url}</p>` : nothing}
      ${
        link && handoff.phase === 'waiting'
          ? html`<p>${msg(str`The link works once, until ${expiresAt}.`, { id: 'handoff.expiry' })}</p>`
          : nothing
      }
      <p part="status" role="status" aria-live="polite">${status}</p>
      <div class="actions">
        ${
          handoff.phase === 'link-expired'
            ? html`<button part="primary-button" type="button" @click=${() => void handoff.start()}>
                ${msg('Show a new code', { id: 'handoff.renew' })}
              </button>`
            : nothing
        }
        <button part="secondary-button" type="button" @click=${() => this.close()}>
          ${msg('Use this device instead', { id: 'handoff.stay' })}
        </button>
      </div>`;
  }

  private failureText(code: string | undefined) {
    switch (code) {
      case 'TOKEN_EXPIRED':
      case 'SESSION_EXPIRED':
        return msg('This verification has expired. Start again from the site that sent you here.', {
          id: 'handoff.failed.expired',
        });
      case 'EXECUTION_NOT_ACTIVE':
        return msg('This verification is already finished.', { id: 'handoff.failed.closed' });
      default:
        return msg('We could not make a code right now. Check your connection and try again.', {
          id: 'handoff.failed.other',
        });
    }
  }
}
