import { expect, waitUntil } from '@open-wc/testing';
import { matchLocale, TARGET_LOCALES } from '../../../src/widget/localization.js';
import { type FakeIdvApi, installFakeIdvApi } from '../../support/fake-idv-api.js';
import { mountWidget, stepElement, untilStep } from './widget-helpers.js';

/** Every source file with `msg()` calls; each id found there must be in every translation table. */
const SOURCES_WITH_MESSAGES = [
  'capture-step/capture-hints.ts',
  'capture-step/capture-step.component.ts',
  'consent-step/consent-step.component.ts',
  'document-type-step/document-type-step.component.ts',
  'done-step/done-step.component.ts',
  'error-step/error-step.component.ts',
  'handoff/idv-handoff.component.ts',
  'idv-capture/idv-capture.component.ts',
  'liveness-step/liveness-step.component.ts',
  'part-labels.ts',
  'upload-step/upload-step.component.ts',
];

describe('<idv-capture> localization', () => {
  let api: FakeIdvApi | undefined;
  afterEach(() => {
    api?.uninstall();
    api = undefined;
  });

  it('matches preferences by language, in order, falling back to English', () => {
    expect(matchLocale(['pt-BR'])).to.equal('pt');
    expect(matchLocale([undefined, 'de_AT', 'fr'])).to.equal('de');
    expect(matchLocale(['nl', 'ES'])).to.equal('es');
    expect(matchLocale(['nl', 'ja'])).to.equal('en');
    expect(matchLocale([])).to.equal('en');
  });

  it('every message id of the source is translated in every locale', async () => {
    const ids = new Set<string>();
    for (const file of SOURCES_WITH_MESSAGES) {
      const res = await fetch(`/src/widget/${file}`);
      expect(res.ok, file).to.equal(true);
      const source = await res.text();
      for (const match of source.matchAll(/\{\s*id:\s*['"]([^'"]+)['"]/g)) ids.add(match[1]!);
    }
    expect(ids.size).to.be.greaterThan(90);
    for (const locale of TARGET_LOCALES) {
      const { templates } = (await import(`../../../src/widget/locales/${locale}.ts`)) as {
        templates: Record<string, unknown>;
      };
      const missing = [...ids].filter((id) => !(id in templates));
      const unused = Object.keys(templates).filter((id) => !ids.has(id));
      expect(missing, `${locale} missing`).to.deep.equal([]);
      expect(unused, `${locale} unused`).to.deep.equal([]);
    }
  });

  it('locale="es" renders Spanish, left to right', async () => {
    api = installFakeIdvApi();
    const { el } = await mountWidget({ locale: 'es' });
    await untilStep(el, 'consent');
    const consent = await stepElement(el, 'idv-consent-step');
    expect(consent.shadowRoot!.querySelector('h2')!.textContent).to.contain('Verifica tu identidad');
    expect(el.shadowRoot!.querySelector('[part=progress-indicator]')!.textContent).to.contain('Paso 1 de 7');
    expect(el.getAttribute('dir')).to.equal('ltr');
    expect(el.getAttribute('lang')).to.equal('es');
    await expect(el).to.be.accessible();
  });

  it('Arabic from the session locale: right to left on the host', async () => {
    api = installFakeIdvApi({ locale: 'ar-EG', consentGiven: true });
    const { el } = await mountWidget({ locale: null });
    await untilStep(el, 'document-type');
    expect(el.getAttribute('dir')).to.equal('rtl');
    const step = await stepElement(el, 'idv-document-type-step');
    expect(step.shadowRoot!.querySelector('h2')!.textContent).to.contain('اختر وثيقتك');
    // Country names come from the browser in the same language.
    const names = [...step.shadowRoot!.querySelectorAll('option')].map((o) => o.textContent!.trim());
    expect(names).to.include('ألمانيا');
    await expect(el).to.be.accessible();
  });

  it('switching the locale attribute re-renders the current step', async () => {
    api = installFakeIdvApi();
    const { el } = await mountWidget({ locale: 'fr' });
    await untilStep(el, 'consent');
    const consent = await stepElement(el, 'idv-consent-step');
    expect(consent.shadowRoot!.querySelector('h2')!.textContent).to.contain('Vérifiez votre identité');
    el.locale = 'de';
    await waitUntil(
      () => consent.shadowRoot!.querySelector('h2')!.textContent!.includes('Bestätigen Sie Ihre Identität'),
      'German heading',
    );
    expect(el.getAttribute('lang')).to.equal('de');
  });
});
