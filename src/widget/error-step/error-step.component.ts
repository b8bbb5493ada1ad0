import { msg } from '@lit/localize';
import { html } from 'lit';
import { StepElement } from '../step-element.js';
import { stepStyles } from '../step-styles.js';
import type { WidgetErrorCode } from '../widget-error.js';
import { errorStepStyles } from './error-step.styles.js';

export interface ErrorText {
  title: string;
  body: string;
}

/** The localized explanation of every `idv-error` code: what happened and what the user can do. */
export function errorText(code: WidgetErrorCode): ErrorText {
  switch (code) {
    case 'CAMERA_DENIED':
      return {
        title: msg('Camera access is blocked', { id: 'error.CAMERA_DENIED.title' }),
        body: msg(
          'To use the camera, allow it for this site: tap the camera or lock icon next to the address, choose Allow, then try again. You can also upload a photo instead.',
          { id: 'error.CAMERA_DENIED.body' },
        ),
      };
    case 'CAMERA_NOT_FOUND':
      return {
        title: msg('No camera found', { id: 'error.CAMERA_NOT_FOUND.title' }),
        body: msg('This device has no camera we can use. Upload a photo instead.', {
          id: 'error.CAMERA_NOT_FOUND.body',
        }),
      };
    case 'CAMERA_IN_USE':
      return {
        title: msg('The camera is busy', { id: 'error.CAMERA_IN_USE.title' }),
        body: msg('Another app is using the camera. Close it and try again, or upload a photo instead.', {
          id: 'error.CAMERA_IN_USE.body',
        }),
      };
    case 'CAMERA_OVERCONSTRAINED':
    case 'CAMERA_UNSUPPORTED':
    case 'CAMERA_ABORTED':
      return {
        title: msg('The camera could not start', { id: 'error.CAMERA_FAILED.title' }),
        body: msg('Try again, or upload a photo instead.', { id: 'error.CAMERA_FAILED.body' }),
      };
    case 'INSECURE_CONTEXT':
      return {
        title: msg('The camera needs a secure page', { id: 'error.INSECURE_CONTEXT.title' }),
        body: msg('This page is not secure (https), so the camera cannot be used. Upload a photo instead.', {
          id: 'error.INSECURE_CONTEXT.body',
        }),
      };
    case 'TOKEN_EXPIRED':
      return {
        title: msg('This link has expired', { id: 'error.TOKEN_EXPIRED.title' }),
        body: msg('Please go back to where you started and begin the verification again.', {
          id: 'error.TOKEN_EXPIRED.body',
        }),
      };
    case 'SESSION_EXPIRED':
      return {
        title: msg('Your session has expired', { id: 'error.SESSION_EXPIRED.title' }),
        body: msg('It was inactive for too long. Please go back and start the verification again.', {
          id: 'error.SESSION_EXPIRED.body',
        }),
      };
    case 'INVALID_TOKEN':
      return {
        title: msg('This link is not valid', { id: 'error.INVALID_TOKEN.title' }),
        body: msg('Please go back to where you started and open the verification again.', {
          id: 'error.INVALID_TOKEN.body',
        }),
      };
    case 'EXECUTION_NOT_ACTIVE':
      return {
        title: msg('This verification is already closed', { id: 'error.EXECUTION_NOT_ACTIVE.title' }),
        body: msg('Nothing more is needed here. If you were asked to verify again, use the new link.', {
          id: 'error.EXECUTION_NOT_ACTIVE.body',
        }),
      };
    case 'NETWORK_ERROR':
      return {
        title: msg('No connection', { id: 'error.NETWORK_ERROR.title' }),
        body: msg(
          'We cannot reach the server. Check your connection and try again; nothing you did is lost.',
          {
            id: 'error.NETWORK_ERROR.body',
          },
        ),
      };
    case 'UNSUPPORTED_BROWSER':
      return {
        title: msg('This browser is not supported', { id: 'error.UNSUPPORTED_BROWSER.title' }),
        body: msg('Please open this page in an up-to-date version of Chrome, Safari, Firefox or Edge.', {
          id: 'error.UNSUPPORTED_BROWSER.body',
        }),
      };
    case 'UPLOAD_REJECTED':
      return {
        title: msg('That photo could not be used', { id: 'error.UPLOAD_REJECTED.title' }),
        body: msg('Please take the photo again.', { id: 'error.UPLOAD_REJECTED.body' }),
      };
    case 'INTERNAL_ERROR':
      return {
        title: msg('Something went wrong', { id: 'error.INTERNAL_ERROR.title' }),
        body: msg('Please try again in a moment.', { id: 'error.INTERNAL_ERROR.body' }),
      };
  }
}

/**
 * A problem with a way out: the localized explanation of `code` and, when it can be fixed here, a retry.
 *
 * @event error-retry - The user asks to try again (internal to the widget).
 * @event error-leave - The user leaves after a fatal error (internal to the widget).
 * @csspart error-panel - The step's container.
 */
export class IdvErrorStep extends StepElement {
  static override styles = [stepStyles, errorStepStyles];

  static override properties = {
    code: { type: String },
    recoverable: { type: Boolean },
    canLeave: { type: Boolean, attribute: 'can-leave' },
  };

  declare code: WidgetErrorCode;
  declare recoverable: boolean;
  /** An error URL is set: offer to go there. */
  declare canLeave: boolean;

  constructor() {
    super();
    this.code = 'INTERNAL_ERROR';
    this.recoverable = false;
    this.canLeave = false;
  }

  override render() {
    const text = errorText(this.code);
    return html`
      <section part="error-panel" aria-labelledby="error-title" data-code=${this.code}>
        <div role="alert">
          <h2 id="error-title" tabindex="-1" data-step-heading>${text.title}</h2>
          <p>${text.body}</p>
        </div>
        <div class="actions">
          ${
            this.recoverable
              ? html`<button class="primary" part="primary-button" type="button" @click=${() => this.emit('error-retry')}>
                ${msg('Try again', { id: 'common.retry' })}
              </button>`
              : ''
          }
          ${
            !this.recoverable && this.canLeave
              ? html`<button class="primary" part="primary-button" type="button" @click=${() => this.emit('error-leave')}>
                ${msg('Go back', { id: 'error.leave' })}
              </button>`
              : ''
          }
        </div>
      </section>
    `;
  }
}
