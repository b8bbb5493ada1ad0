import { expect, waitUntil } from '@open-wc/testing';
import type { IdvCapture } from '../../../src/widget/idv-capture/idv-capture.js';
import { type FakeIdvApi, installFakeIdvApi } from '../../support/fake-idv-api.js';
import { installScriptedCamera, type ScriptedCamera } from '../../support/scripted-camera.js';
import { provideQrcodeToDevServer } from './qrcode-for-dev-server.js';
import { buttonByText, mountWidget, stepElement, untilStep } from './widget-helpers.js';

/** Resumed at the back of an ID card, consent given: the next screen is a capture step. */
const AT_THE_BACK = {
  categories: ['ID' as const],
  allowedTypes: ['ID_CARD' as const],
  allowedCountries: ['DEU'],
  consentGiven: true,
  chosen: { type: 'ID_CARD' as const, country: 'DEU' },
  uploaded: ['FRONT' as const],
};

function drawGrey(ctx: CanvasRenderingContext2D): void {
  ctx.fillStyle = '#777';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
}

/** The `<idv-handoff>` shown in place of the step, once its link is drawn. */
async function handoffView(el: IdvCapture): Promise<ShadowRoot> {
  const handoff = await stepElement(el, 'idv-handoff');
  await waitUntil(() => handoff.shadowRoot!.querySelector('[part=link]'), 'handoff link shown', {
    timeout: 15_000,
  });
  return handoff.shadowRoot!;
}

describe('<idv-capture> continue on your phone', () => {
  let api: FakeIdvApi | undefined;
  let camera: ScriptedCamera | undefined;
  before(() => provideQrcodeToDevServer());
  afterEach(() => {
    api?.uninstall();
    camera?.uninstall();
    api = undefined;
    camera = undefined;
  });

  it('camera denied: the phone finishes and the widget completes here', async () => {
    api = installFakeIdvApi(AT_THE_BACK);
    camera = installScriptedCamera({ draw: drawGrey, failWith: 'NotAllowedError' });
    const { el, of, navigations } = await mountWidget({ successUrl: 'https://shop.example/done' });
    await untilStep(el, 'document-back');
    const capture = await stepElement(el, 'idv-capture-step');
    const root = capture.shadowRoot!;
    await waitUntil(() => root.querySelector('[data-code=CAMERA_DENIED]'), 'camera error screen');
    buttonByText(root, 'Continue on your phone').click();

    const view = await handoffView(el);
    expect(el.shadowRoot!.querySelector('idv-capture-step')).to.equal(null);
    // Focus moves into the new view, so a screen reader announces it.
    const handoff = el.shadowRoot!.querySelector('idv-handoff')!;
    await waitUntil(() => el.shadowRoot!.activeElement === handoff, 'focus in the handoff view');
    expect(view.activeElement?.getAttribute('part')).to.equal('panel');
    // The QR code is drawn locally by `qrcode`: an SVG with the modules as a path.
    const qr = view.querySelector('[part=qr-code]')!;
    expect(qr.getAttribute('role')).to.equal('img');
    expect(qr.querySelector('svg path')).to.not.equal(null);
    expect(view.querySelector('[part=link]')!.textContent).to.contain('/web/v1/handoff/fake-code-1');
    const issued = api.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/session/handoff');
    expect(issued.map((r) => r.headers.authorization)).to.deep.equal(['Bearer test-token']);
    await expect(el).to.be.accessible();
    expect(of('idv-complete')).to.deep.equal([]);

    // The phone finalized: the desktop's session now reports it.
    api.state.status = 'ACQUIRED';
    await waitUntil(() => of('idv-complete').length > 0, 'idv-complete', { timeout: 15_000 });
    expect(of('idv-complete')).to.deep.equal([
      { accountId: 'acc-fake-1', workflowExecutionId: 'wfe-fake-1', status: 'ACQUIRED' },
    ]);
    await untilStep(el, 'done');
    expect(el.shadowRoot!.querySelector('idv-handoff')).to.equal(null);
    expect(navigations).to.have.length(1);
    const success = new URL(navigations[0]!);
    expect(success.origin + success.pathname).to.equal('https://shop.example/done');
    expect(success.searchParams.get('acquisitionStatus')).to.equal('SUCCESS');
    expect(success.searchParams.get('accountId')).to.equal('acc-fake-1');
  });

  it('"Use this device instead" returns to the capture step the user left', async () => {
    api = installFakeIdvApi(AT_THE_BACK);
    camera = installScriptedCamera({ draw: drawGrey, failWith: 'NotAllowedError' });
    const { el, of } = await mountWidget();
    await untilStep(el, 'document-back');
    let root = (await stepElement(el, 'idv-capture-step')).shadowRoot!;
    await waitUntil(() => root.querySelector('[data-code=CAMERA_DENIED]'), 'camera error screen');
    buttonByText(root, 'Continue on your phone').click();
    const view = await handoffView(el);

    buttonByText(view, 'Use this device instead').click();
    root = (await stepElement(el, 'idv-capture-step')).shadowRoot!;
    expect(el.shadowRoot!.querySelector('idv-handoff')).to.equal(null);
    expect(el.step).to.equal('document-back');
    expect(root.querySelector('h2')!.textContent).to.contain('Back of your document');
    // The camera is still blocked, so the same way out is offered again.
    await waitUntil(() => root.querySelector('[data-code=CAMERA_DENIED]'), 'camera error screen again');
    expect(buttonByText(root, 'Continue on your phone')).to.not.equal(undefined);
    expect(of('idv-complete')).to.deep.equal([]);
  });

  it('the consent step offers it by choice, in Spanish, unless no-handoff is set', async () => {
    api = installFakeIdvApi();
    const { el } = await mountWidget({ locale: 'es' });
    await untilStep(el, 'consent');
    const consent = await stepElement(el, 'idv-consent-step');
    buttonByText(consent.shadowRoot!, 'Continuar en tu teléfono').click();

    const view = await handoffView(el);
    expect(view.querySelector('h2')!.textContent).to.contain('Continuar en tu teléfono');
    expect(view.querySelector('[part=qr-code]')!.getAttribute('aria-label')).to.equal(
      'Código QR del enlace de abajo',
    );
    expect(view.textContent).to.contain('Mantén esta página abierta.');
    await expect(el).to.be.accessible();
    buttonByText(view, 'Usar este dispositivo').click();

    const back = await stepElement<HTMLElement & { updateComplete: Promise<boolean> }>(
      el,
      'idv-consent-step',
    );
    expect(el.step).to.equal('consent');
    el.noHandoff = true;
    await el.updateComplete;
    await back.updateComplete;
    const labels = [...back.shadowRoot!.querySelectorAll('button')].map((b) => b.textContent!.trim());
    expect(labels).to.deep.equal(['Acepto, continuar', 'No, gracias']);
  });
});
