import { expect, waitUntil } from '@open-wc/testing';
import { type FakeIdvApi, installFakeIdvApi } from '../../support/fake-idv-api.js';
import { buttonByText, mountWidget, stepElement, untilStep } from './widget-helpers.js';

describe('<idv-capture> errors with a way out', () => {
  let api: FakeIdvApi | undefined;
  afterEach(() => {
    api?.uninstall();
    api = undefined;
  });

  it('an expired token: localized screen, fatal idv-error, then the error URL', async () => {
    api = installFakeIdvApi({ sessionError: { status: 401, code: 'TOKEN_EXPIRED' } });
    const { el, of, navigations } = await mountWidget({ errorUrl: 'https://shop.example/failed' });
    await untilStep(el, 'error');
    expect(of('idv-error')).to.deep.equal([
      { code: 'TOKEN_EXPIRED', message: 'Scripted', recoverable: false },
    ]);
    const step = await stepElement(el, 'idv-error-step');
    expect(step.shadowRoot!.querySelector('[role=alert]')!.textContent).to.contain('This link has expired');
    expect(navigations).to.deep.equal([
      'https://shop.example/failed?acquisitionStatus=ERROR&errorCode=TOKEN_EXPIRED',
    ]);
    await expect(el).to.be.accessible();
  });

  it('a session the server reports as expired ends on the session-expired screen', async () => {
    api = installFakeIdvApi({ status: 'SESSION_EXPIRED' });
    const { el, of } = await mountWidget();
    await untilStep(el, 'error');
    expect(of('idv-error')[0]!.code).to.equal('SESSION_EXPIRED');
    const step = await stepElement(el, 'idv-error-step');
    expect(step.shadowRoot!.textContent).to.contain('Your session has expired');
  });

  it('a page can keep the user on it: preventDefault() on idv-error stops the redirect', async () => {
    api = installFakeIdvApi({ sessionError: { status: 401, code: 'INVALID_TOKEN' } });
    document.addEventListener('idv-error', (e) => e.preventDefault(), { once: true });
    const { el, navigations } = await mountWidget({ errorUrl: 'https://shop.example/failed' });
    await untilStep(el, 'error');
    expect(navigations).to.deep.equal([]);
    const step = await stepElement(el, 'idv-error-step');
    expect(step.shadowRoot!.textContent).to.contain('This link is not valid');
    // The user can still leave by hand.
    buttonByText(step.shadowRoot!, 'Go back').click();
    expect(navigations).to.deep.equal([
      'https://shop.example/failed?acquisitionStatus=ERROR&errorCode=INVALID_TOKEN',
    ]);
  });

  it('network down while loading: a recoverable error with a retry that resumes', async () => {
    api = installFakeIdvApi({ failSessionLoads: 4 });
    const { el, of } = await mountWidget();
    await untilStep(el, 'error');
    expect(of('idv-error')[0]).to.include({ code: 'NETWORK_ERROR', recoverable: true });
    const step = await stepElement(el, 'idv-error-step');
    expect(step.shadowRoot!.textContent).to.contain('No connection');
    await expect(el).to.be.accessible();
    buttonByText(step.shadowRoot!, 'Try again').click();
    await untilStep(el, 'consent');
    expect(api.requests.filter((r) => r.path === '/api/v1/session')).to.have.length(5);
  });

  it('an unsupported browser is told so', async () => {
    api = installFakeIdvApi();
    const original = window.createImageBitmap;
    (window as { createImageBitmap?: unknown }).createImageBitmap = undefined;
    try {
      const { el, of } = await mountWidget();
      await untilStep(el, 'error');
      expect(of('idv-error')[0]).to.include({ code: 'UNSUPPORTED_BROWSER', recoverable: false });
      expect(api.requests).to.have.length(0);
    } finally {
      window.createImageBitmap = original;
    }
  });

  it('a missing token is an invalid-token error, not a request', async () => {
    api = installFakeIdvApi();
    const { el, of } = await mountWidget({ token: '' });
    await untilStep(el, 'error');
    expect(of('idv-error')[0]!.code).to.equal('INVALID_TOKEN');
    await waitUntil(() => true);
    expect(api.requests).to.have.length(0);
  });
});
