import { msg } from '@lit/localize';
import { html } from 'lit';
import { StepElement } from '../step-element.js';
import { livenessStepStyles } from './liveness-step.styles.js';

/**
 * PLACEHOLDER for the liveness check (DESIGN.md §5). The step is skipped (`LIVENESS_STEP_ENABLED = false` in the
 * flow controller) until the liveness work lands; this element only reserves the step's name and shape.
 *
 * @event liveness-skip - The user continues (internal to the widget).
 * @csspart liveness-panel - The step's container.
 */
export class IdvLivenessStep extends StepElement {
  static override styles = livenessStepStyles;

  override render() {
    return html`
      <section part="liveness-panel" aria-labelledby="liveness-title">
        <h2 id="liveness-title" tabindex="-1" data-step-heading>
          ${msg('Liveness check', { id: 'liveness.title' })}
        </h2>
        <p>${msg('This check is not available yet and is skipped.', { id: 'liveness.placeholder' })}</p>
        <div class="actions">
          <button class="primary" part="primary-button" type="button" @click=${() => this.emit('liveness-skip')}>
            ${msg('Continue', { id: 'common.continue' })}
          </button>
        </div>
      </section>
    `;
  }
}
