import { expect, waitUntil } from '@open-wc/testing';
import { type FakeIdvApi, installFakeIdvApi } from '../../support/fake-idv-api.js';
import {
  installScriptedCamera,
  loadImageBitmap,
  type ScriptedCamera,
} from '../../support/scripted-camera.js';
import { buttonByText, mountWidget, stepElement, untilStep } from './widget-helpers.js';

describe('<idv-capture> selfie step', () => {
  let api: FakeIdvApi | undefined;
  let camera: ScriptedCamera | undefined;
  afterEach(() => {
    api?.uninstall();
    camera?.uninstall();
    api = undefined;
    camera = undefined;
  });

  it('captures a face automatically through the real analysis, reviews it and uploads it', async () => {
    // The astronaut portrait filling a 640×480 frame: one large, frontal, centred face.
    const portrait = await loadImageBitmap('/test/fixtures/astronaut.png');
    api = installFakeIdvApi({ categories: ['SELFIE'], consentGiven: true });
    camera = installScriptedCamera({
      width: 640,
      height: 480,
      fps: 15,
      draw: (ctx) => ctx.drawImage(portrait, -88, -24, 820, 820),
    });
    const { el, of } = await mountWidget();
    await untilStep(el, 'selfie');
    const step = await stepElement(el, 'idv-capture-step');
    const root = step.shadowRoot!;
    expect(root.querySelector('.viewfinder.mirrored')).to.not.equal(null);
    expect(root.querySelector('ellipse')).to.not.equal(null);
    const hints = new Set<string>();
    await waitUntil(
      () => {
        hints.add(root.querySelector('[part=hint]')?.textContent?.trim() ?? '');
        return root.querySelector('[part=review-image]');
      },
      'auto-capture',
      { timeout: 45_000 },
    ).catch((e) => {
      throw new Error(`${e.message}; hints seen: ${[...hints].join(' | ')}`);
    });
    await expect(el).to.be.accessible();
    // Auto-capture fires only on frames that pass every check, so the review offers the photo for use.
    buttonByText(root, 'Use this photo').click();
    await untilStep(el, 'done', 30_000);
    expect(of('idv-capture')[0]).to.include({ part: 'FACE', method: 'auto' });
    expect(api.parts.get('FACE')!.bytes).to.be.greaterThan(0);
  });
});
