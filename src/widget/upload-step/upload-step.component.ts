import { msg, str } from '@lit/localize';
import { html } from 'lit';
import type { PartUpload, PartUploadStatus } from '../../transport/part-upload-queue.js';
import { partLabel } from '../part-labels.js';
import { StepElement } from '../step-element.js';
import { stepStyles } from '../step-styles.js';
import { uploadStepStyles } from './upload-step.styles.js';

export type UploadPhase = 'uploading' | 'finalizing' | 'failed';

function statusText(status: PartUploadStatus): string {
  switch (status) {
    case 'uploading':
      return msg('Sending…', { id: 'upload.status.uploading' });
    case 'waiting-offline':
      return msg('Waiting for a connection…', { id: 'upload.status.offline' });
    case 'retrying':
      return msg('Connection problem, trying again…', { id: 'upload.status.retrying' });
    case 'acknowledged':
      return msg('Sent', { id: 'upload.status.done' });
    case 'failed':
      return msg('Not sent yet', { id: 'upload.status.failed' });
    case 'rejected':
      return msg('Needs a new photo', { id: 'upload.status.rejected' });
  }
}

/**
 * Sending the photos (already under way in the background since each capture) and finalizing.
 *
 * @event upload-retry - The user asks to try the failed uploads again (internal to the widget).
 * @csspart upload-panel - The step's container.
 * @csspart progress - Each part's progress bar.
 */
export class IdvUploadStep extends StepElement {
  static override styles = [stepStyles, uploadStepStyles];

  static override properties = {
    uploads: { attribute: false },
    phase: { type: String },
  };

  declare uploads: ReadonlyArray<Pick<PartUpload, 'classifier' | 'status' | 'loaded' | 'total'>>;
  declare phase: UploadPhase;

  constructor() {
    super();
    this.uploads = [];
    this.phase = 'uploading';
  }

  override render() {
    const offline = this.uploads.some((u) => u.status === 'waiting-offline');
    return html`
      <section part="upload-panel" aria-labelledby="upload-title" aria-busy=${this.phase !== 'failed'}>
        <h2 id="upload-title" tabindex="-1" data-step-heading>
          ${msg('Sending your photos', { id: 'upload.title' })}
        </h2>
        <p>${msg('Keep this page open until it is done.', { id: 'upload.keep-open' })}</p>
        <ul class="parts">
          ${this.uploads.map((upload) => {
            const percent = upload.total > 0 ? Math.round((100 * upload.loaded) / upload.total) : 0;
            const label = partLabel(upload.classifier);
            return html`
              <li>
                <div class="row">
                  <span>${label}</span>
                  <span class="status">${statusText(upload.status)}</span>
                </div>
                <progress
                  part="progress"
                  max="100"
                  .value=${upload.status === 'acknowledged' ? 100 : percent}
                  aria-label=${msg(str`${label}: ${percent}% sent`, { id: 'upload.progress-label' })}
                ></progress>
              </li>
            `;
          })}
        </ul>
        <p class="live" role="status" aria-live="polite">
          ${
            this.phase === 'finalizing'
              ? msg('Finishing…', { id: 'upload.finalizing' })
              : offline
                ? msg('You are offline. Your photos are kept and will be sent when the connection is back.', {
                    id: 'upload.offline',
                  })
                : ''
          }
        </p>
        ${
          this.phase === 'failed'
            ? html`
              <div role="alert" class="failed">
                <p>
                  ${msg('We could not send your photos. Check your connection and try again.', {
                    id: 'upload.failed',
                  })}
                </p>
                <div class="actions">
                  <button class="primary" part="primary-button" type="button" @click=${() => this.emit('upload-retry')}>
                    ${msg('Try again', { id: 'common.retry' })}
                  </button>
                </div>
              </div>
            `
            : ''
        }
      </section>
    `;
  }
}
