import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { type FakeIdvApi, installFakeIdvApi } from '../../support/fake-idv-api.js';
import { buttonByText, mountWidget, stepElement, untilStep } from './widget-helpers.js';

describe('<idv-capture> flow without the camera', () => {
  let api: FakeIdvApi | undefined;
  afterEach(() => {
    api?.uninstall();
    api = undefined;
  });

  it('reads the session, shows consent first and is accessible', async () => {
    api = installFakeIdvApi();
    const { el, of, events } = await mountWidget();
    await untilStep(el, 'consent');
    expect(api.requests[0]!.path).to.equal('/api/v1/session');
    expect(api.requests[0]!.headers.authorization).to.equal('Bearer test-token');
    expect(of('idv-ready')).to.have.length(1);
    expect(events.findIndex((e) => e.type === 'idv-ready')).to.be.lessThan(
      events.findIndex((e) => e.type === 'idv-step-change'),
    );
    expect(of('idv-step-change')[0]).to.deep.equal({ step: 'consent', index: 0, total: 7 });
    const consent = await stepElement(el, 'idv-consent-step');
    expect(consent.shadowRoot!.querySelector('h2')!.textContent).to.contain('Verify your identity');
    await expect(el).to.be.accessible();
  });

  it('declining consent ends with idv-cancel and the error redirect', async () => {
    api = installFakeIdvApi();
    const { el, of, navigations } = await mountWidget({ errorUrl: 'https://shop.example/failed?x=1' });
    await untilStep(el, 'consent');
    const consent = await stepElement(el, 'idv-consent-step');
    buttonByText(consent.shadowRoot!, 'No, thanks').click();
    await waitUntil(() => of('idv-cancel').length === 1, 'idv-cancel');
    expect(of('idv-cancel')[0]).to.deep.equal({ reason: 'consent-declined' });
    expect(navigations).to.have.length(1);
    const target = new URL(navigations[0]!);
    expect(target.origin + target.pathname).to.equal('https://shop.example/failed');
    expect(target.searchParams.get('x')).to.equal('1');
    expect(target.searchParams.get('acquisitionStatus')).to.equal('ERROR');
    expect(target.searchParams.get('errorCode')).to.equal('CONSENT_DECLINED');
    await waitUntil(() => api!.state.consent === false, 'declined consent recorded');
    expect(el.shadowRoot!.querySelector('h2')!.textContent).to.contain('Verification cancelled');
    await expect(el).to.be.accessible();
  });

  it('accepting consent records it and offers the session’s document types and countries', async () => {
    api = installFakeIdvApi({
      allowedTypes: ['ID_CARD', 'PASSPORT', 'DRIVING_LICENSE'],
      allowedCountries: ['DEU', 'FRA'],
    });
    const { el } = await mountWidget();
    await untilStep(el, 'consent');
    buttonByText((await stepElement(el, 'idv-consent-step')).shadowRoot!, 'I agree, continue').click();
    await untilStep(el, 'document-type');
    expect(api.state.consent).to.equal(true);
    const step = await stepElement(el, 'idv-document-type-step');
    const labels = [...step.shadowRoot!.querySelectorAll('.choice span')].map((s) => s.textContent!.trim());
    expect(labels).to.deep.equal(['Identity card', 'Passport', 'Driving licence']);
    const options = [...step.shadowRoot!.querySelectorAll('option')].map((o) => o.value).filter(Boolean);
    expect(options.sort()).to.deep.equal(['DEU', 'FRA']);
    const names = [...step.shadowRoot!.querySelectorAll('option')].map((o) => o.textContent!.trim());
    expect(names).to.include('Germany');
    await expect(el).to.be.accessible();
    // Focus moved to the new step's heading.
    expect(step.shadowRoot!.activeElement?.tagName).to.equal('H2');
  });

  it('is keyboard operable: Tab to the action, Enter to answer, focus lands on the next heading', async () => {
    api = installFakeIdvApi({ allowedTypes: ['ID_CARD', 'PASSPORT'], allowedCountries: ['DEU'] });
    const { el } = await mountWidget();
    await untilStep(el, 'consent');
    await sendKeys({ press: 'Tab' });
    const consent = await stepElement(el, 'idv-consent-step');
    expect(consent.shadowRoot!.activeElement?.textContent?.trim()).to.equal('I agree, continue');
    await sendKeys({ press: 'Enter' });
    await untilStep(el, 'document-type');
    const step = await stepElement(el, 'idv-document-type-step');
    await waitUntil(() => step.shadowRoot!.activeElement?.tagName === 'H2', 'heading focused');
    await sendKeys({ press: 'Tab' });
    expect((step.shadowRoot!.activeElement as HTMLInputElement).type).to.equal('radio');
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'Tab' });
    expect(step.shadowRoot!.activeElement?.textContent?.trim()).to.equal('Continue');
    await sendKeys({ press: 'Enter' });
    await untilStep(el, 'document-front');
    expect(api.state.document).to.deep.equal({ type: 'PASSPORT', country: 'DEU' });
  });

  it('choosing a passport goes to the front capture and drops the back', async () => {
    api = installFakeIdvApi({ consentGiven: true });
    const { el, of } = await mountWidget();
    await untilStep(el, 'document-type');
    const step = await stepElement(el, 'idv-document-type-step');
    const passport = [...step.shadowRoot!.querySelectorAll<HTMLInputElement>('input[type=radio]')].find(
      (r) => r.value === 'PASSPORT',
    )!;
    passport.click();
    const select = step.shadowRoot!.querySelector('select')!;
    select.value = 'FRA';
    select.dispatchEvent(new Event('change'));
    await (step as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    buttonByText(step.shadowRoot!, 'Continue').click();
    await untilStep(el, 'document-front');
    expect(api.state.document).to.deep.equal({ type: 'PASSPORT', country: 'FRA' });
    // consent, document-type, front, selfie, upload, done: no back for a passport.
    expect(of('idv-step-change').at(-1)).to.deep.equal({ step: 'document-front', index: 2, total: 6 });
  });

  it('skips the document type step when the session allows only one type and country', async () => {
    api = installFakeIdvApi({ allowedTypes: ['ID_CARD'], allowedCountries: ['DEU'] });
    const { el, of } = await mountWidget();
    await untilStep(el, 'consent');
    buttonByText((await stepElement(el, 'idv-consent-step')).shadowRoot!, 'I agree, continue').click();
    await untilStep(el, 'document-front');
    expect(api.state.document).to.deep.equal({ type: 'ID_CARD', country: 'DEU' });
    expect(of('idv-step-change').map((e) => e.step)).to.not.include('document-type');
  });

  it('resumes from the server’s state: parts already uploaded are not asked again', async () => {
    api = installFakeIdvApi({
      consentGiven: true,
      chosen: { type: 'ID_CARD', country: 'DEU' },
      uploaded: ['FRONT'],
    });
    const { el, of } = await mountWidget();
    await untilStep(el, 'document-back');
    expect(of('idv-step-change').map((e) => e.step)).to.deep.equal(['document-back']);
    expect(of('idv-step-change')[0]).to.deep.equal({ step: 'document-back', index: 3, total: 7 });
  });

  it('a finished execution resumes on the done step', async () => {
    api = installFakeIdvApi({ consentGiven: true, status: 'ACQUIRED' });
    const { el } = await mountWidget();
    await untilStep(el, 'done');
    await stepElement(el, 'idv-done-step');
    await expect(el).to.be.accessible();
  });
});
