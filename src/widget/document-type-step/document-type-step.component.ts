import { msg } from '@lit/localize';
import { html, nothing } from 'lit';
import type { DocumentType } from '../../shared/api/common.js';
import type { DocumentChoice } from '../controllers/flow-controller.js';
import { activeLocale } from '../localization.js';
import { StepElement } from '../step-element.js';
import { stepStyles } from '../step-styles.js';
import { ALL_COUNTRY_CODES, countriesByName, countryName } from './country-names.js';
import { documentTypeStepStyles } from './document-type-step.styles.js';

export function documentTypeLabel(type: DocumentType): string {
  switch (type) {
    case 'ID_CARD':
      return msg('Identity card', { id: 'document.type.ID_CARD' });
    case 'DRIVING_LICENSE':
      return msg('Driving licence', { id: 'document.type.DRIVING_LICENSE' });
    case 'PASSPORT':
      return msg('Passport', { id: 'document.type.PASSPORT' });
    case 'VISA':
      return msg('Visa', { id: 'document.type.VISA' });
  }
}

/**
 * Which document the user will photograph, and who issued it; only the session's allowed types and countries.
 *
 * @event document-choice - `{type, country}` (internal to the widget).
 * @csspart document-type-panel - The step's container.
 */
export class IdvDocumentTypeStep extends StepElement {
  static override styles = [stepStyles, documentTypeStepStyles];

  static override properties = {
    types: { attribute: false },
    countries: { attribute: false },
    busy: { type: Boolean },
    type: { state: true },
    country: { state: true },
  };

  declare types: DocumentType[];
  /** `null`: any country. */
  declare countries: string[] | null;
  declare busy: boolean;
  declare type: DocumentType | undefined;
  declare country: string | undefined;

  constructor() {
    super();
    this.types = [];
    this.countries = null;
    this.busy = false;
  }

  override willUpdate(): void {
    if (!this.type && this.types.length === 1) this.type = this.types[0];
    if (!this.country && this.countries?.length === 1) this.country = this.countries[0];
  }

  override render() {
    const locale = activeLocale();
    const ready = this.type !== undefined && this.country !== undefined;
    return html`
      <section part="document-type-panel" aria-labelledby="document-type-title">
        <h2 id="document-type-title" tabindex="-1" data-step-heading>
          ${msg('Choose your document', { id: 'document.title' })}
        </h2>
        <form @submit=${this.submit}>
          <fieldset>
            <legend>${msg('Document type', { id: 'document.type.legend' })}</legend>
            ${this.types.map(
              (type) => html`
                <label class="choice">
                  <input
                    type="radio"
                    name="type"
                    .value=${type}
                    .checked=${this.type === type}
                    @change=${() => {
                      this.type = type;
                    }}
                  />
                  <span>${documentTypeLabel(type)}</span>
                </label>
              `,
            )}
          </fieldset>
          ${this.renderCountry(locale)}
          <div class="actions">
            <button class="primary" part="primary-button" type="submit" ?disabled=${!ready || this.busy}>
              ${msg('Continue', { id: 'common.continue' })}
            </button>
          </div>
        </form>
      </section>
    `;
  }

  private renderCountry(locale: string) {
    if (this.countries?.length === 1) {
      return html`<p class="country">
        ${msg('Issuing country', { id: 'document.country.label' })}:
        <strong>${countryName(this.countries[0]!, locale)}</strong>
      </p>`;
    }
    const options = countriesByName(this.countries ?? ALL_COUNTRY_CODES, locale);
    return html`
      <label class="field" for="country">${msg('Issuing country', { id: 'document.country.label' })}</label>
      <select
        id="country"
        part="select"
        @change=${(e: Event) => {
          this.country = (e.target as HTMLSelectElement).value || undefined;
        }}
      >
        <option value="" ?selected=${!this.country}>
          ${msg('Select a country', { id: 'document.country.placeholder' })}
        </option>
        ${options.map(
          (option) =>
            html`<option value=${option.code} ?selected=${option.code === this.country}>${option.name}</option>`,
        )}
      </select>
      ${nothing}
    `;
  }

  private submit(event: Event): void {
    event.preventDefault();
    if (!this.type || !this.country) return;
    this.emit<DocumentChoice>('document-choice', { type: this.type, country: this.country });
  }
}
