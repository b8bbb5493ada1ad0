import { updateWhenLocaleChanges } from '@lit/localize';
import { LitElement } from 'lit';

/**
 * Base of every step element: re-renders on a locale change and can move focus to its heading, so a screen
 * reader announces each new step.
 */
export class StepElement extends LitElement {
  constructor() {
    super();
    updateWhenLocaleChanges(this);
  }

  async focusHeading(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[data-step-heading]')?.focus();
  }

  /** Step → host events: bubbling inside the widget, never crossing its shadow root. */
  protected emit<T>(name: string, detail?: T): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true }));
  }
}
