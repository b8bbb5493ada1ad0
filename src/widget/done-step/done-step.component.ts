import { msg } from '@lit/localize';
import { html } from 'lit';
import { StepElement } from '../step-element.js';
import { stepStyles } from '../step-styles.js';
import { doneStepStyles } from './done-step.styles.js';

/**
 * The end: everything was sent and the verification started.
 *
 * @csspart done-panel - The step's container.
 */
export class IdvDoneStep extends StepElement {
  static override styles = [stepStyles, doneStepStyles];

  override render() {
    return html`
      <section part="done-panel" aria-labelledby="done-title">
        <div class="mark" aria-hidden="true">✓</div>
        <h2 id="done-title" tabindex="-1" data-step-heading>${msg('All done', { id: 'done.title' })}</h2>
        <p>
          ${msg(
            'Thank you. Your photos were sent and we are verifying your identity. You can close this page.',
            {
              id: 'done.body',
            },
          )}
        </p>
      </section>
    `;
  }
}
