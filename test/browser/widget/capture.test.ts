import { expect, waitUntil } from '@open-wc/testing';
import type { IdvCapture } from '../../../src/widget/idv-capture/idv-capture.js';
import { type FakeIdvApi, installFakeIdvApi } from '../../support/fake-idv-api.js';
import { installScriptedCamera, type ScriptedCamera } from '../../support/scripted-camera.js';
import {
  buttonByText,
  chooseFile,
  fixtureFile,
  mountWidget,
  stepElement,
  untilStep,
} from './widget-helpers.js';

/** An ID card to capture front and back of; no selfie (that needs the face runtime, tested on its own). */
const ID_CARD_ONLY = {
  categories: ['ID' as const],
  allowedTypes: ['ID_CARD' as const],
  allowedCountries: ['DEU'],
  consentGiven: true,
};

/** Resumed with the front already on the server: the flow starts at the back. */
const AT_THE_BACK = {
  ...ID_CARD_ONLY,
  chosen: { type: 'ID_CARD' as const, country: 'DEU' },
  uploaded: ['FRONT' as const],
};

/** The generated card-on-desk scene, scaled up to a phone photo's resolution so every check passes. */
async function cardPhoto(): Promise<File> {
  const scene = await createImageBitmap(
    await fixtureFile('/test/fixtures/generated/scene-id-front-desk.png'),
  );
  const canvas = new OffscreenCanvas(scene.width * 3, scene.height * 3);
  canvas.getContext('2d')!.drawImage(scene, 0, 0, canvas.width, canvas.height);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
  return new File([blob], 'card.jpg', { type: 'image/jpeg' });
}

/** A plain desk: no document in view. */
function drawDesk(ctx: CanvasRenderingContext2D): void {
  ctx.fillStyle = '#3b3026';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  for (let i = 0; i < 300; i++) {
    ctx.fillStyle = i % 2 ? '#40352a' : '#362b21';
    ctx.fillRect((i * 97) % ctx.canvas.width, (i * 53) % ctx.canvas.height, 7, 3);
  }
}

async function captureStep(el: IdvCapture): Promise<ShadowRoot> {
  const step = await stepElement(el, 'idv-capture-step');
  return step.shadowRoot!;
}

/** Upload-instead with a card photo, up to the review screen. */
async function uploadOnce(el: IdvCapture): Promise<ShadowRoot> {
  const root = await captureStep(el);
  const input = root.querySelector<HTMLInputElement>('input[type=file]')!;
  expect(input.accept).to.equal('image/*');
  chooseFile(input, await cardPhoto());
  await waitUntil(() => root.querySelector('[part=review-image]'), 'review screen', { timeout: 30_000 });
  return root;
}

/**
 * Uploads the card photo until the review offers "Use this photo": at once when the checks pass, otherwise after
 * the retake cap (3 attempts), when the best image may be used flagged. Either way nobody is stuck.
 */
async function uploadCard(el: IdvCapture): Promise<ShadowRoot> {
  for (let attempt = 1; ; attempt++) {
    const root = await uploadOnce(el);
    if (root.textContent!.includes('Use this photo')) return root;
    expect(attempt, 'the retake cap lets the user continue').to.be.lessThan(4);
    buttonByText(root, 'Retake').click();
    await waitUntil(() => !root.querySelector('[part=review-image]'), 'back to live');
  }
}

describe('<idv-capture> capture screens', () => {
  let api: FakeIdvApi | undefined;
  let camera: ScriptedCamera | undefined;
  afterEach(() => {
    api?.uninstall();
    camera?.uninstall();
    api = undefined;
    camera = undefined;
  });

  it('shows the live hint in an aria-live region and the manual shutter after the timeout', async () => {
    api = installFakeIdvApi(ID_CARD_ONLY);
    camera = installScriptedCamera({ width: 640, height: 480, fps: 15, draw: drawDesk });
    const { el } = await mountWidget({ manualAfterMs: 300 });
    await untilStep(el, 'document-front');
    const root = await captureStep(el);
    const hint = root.querySelector('[part=hint]')!;
    expect(hint.getAttribute('aria-live')).to.equal('polite');
    await waitUntil(
      () => hint.textContent!.includes('Place your document in the frame'),
      'hint for NO_DOCUMENT',
      {
        timeout: 20_000,
      },
    );
    await waitUntil(() => root.textContent!.includes('Take photo'), 'manual shutter', { timeout: 10_000 });
    expect(root.querySelector('[part=guide]')).to.not.equal(null);
    await expect(el).to.be.accessible();
    buttonByText(root, 'Take photo').click();
    await waitUntil(() => root.querySelector('[part=review-image]'), 'review after the shutter', {
      timeout: 20_000,
    });
    // An empty desk fails the checks: the user is asked to retake, not to use it.
    expect(root.textContent).to.contain('Retake');
    expect(root.textContent).to.not.contain('Use this photo');
    buttonByText(root, 'Retake').click();
    await waitUntil(
      () => root.querySelector('video') && !root.querySelector('[part=review-image]'),
      'live again',
    );
  });

  it('upload instead → review → use: uploads in the background with progress, finalizes, completes', async () => {
    api = installFakeIdvApi(ID_CARD_ONLY);
    camera = installScriptedCamera({ draw: drawDesk });
    const { el, of } = await mountWidget();
    await untilStep(el, 'document-front');
    const root = await uploadCard(el);
    await expect(el).to.be.accessible();
    buttonByText(root, 'Use this photo').click();
    await untilStep(el, 'document-back');
    // The front's upload runs while the user is on the back already.
    await waitUntil(() => api!.parts.has('FRONT'), 'front uploaded in the background');
    await waitUntil(
      () => el.shadowRoot!.querySelector('idv-capture-step')?.classifier === 'BACK',
      'back screen',
    );
    buttonByText(await uploadCard(el), 'Use this photo').click();
    await untilStep(el, 'done', 30_000);
    expect(of('idv-capture').map((c) => c.part)).to.deep.equal(['FRONT', 'BACK']);
    const capture = of('idv-capture')[0]!;
    expect(capture.part).to.equal('FRONT');
    expect(capture.method).to.equal('upload');
    expect(capture.bytes).to.be.greaterThan(0);
    const progress = of('idv-upload-progress').filter((p) => p.part === 'FRONT');
    expect(progress.length).to.be.greaterThan(1);
    expect(progress.at(-1)!.loaded).to.equal(progress.at(-1)!.total);
    expect(api.parts.get('FRONT')!.bytes).to.equal(capture.bytes);
    expect(of('idv-complete')).to.deep.equal([
      { accountId: 'acc-fake-1', workflowExecutionId: 'wfe-fake-1', status: 'ACQUIRED' },
    ]);
    expect(
      (api.state.metadata as { parts: Array<{ method: string }> }).parts.map((p) => p.method),
    ).to.deep.equal(['upload', 'upload']);
  });

  it('keeps the image through a network drop and gets it acknowledged with the same idempotency key', async () => {
    api = installFakeIdvApi({ ...AT_THE_BACK, failUploads: 2, unavailableUploads: 1 });
    camera = installScriptedCamera({ draw: drawDesk });
    const { el } = await mountWidget();
    await untilStep(el, 'document-back');
    buttonByText(await uploadCard(el), 'Use this photo').click();
    await untilStep(el, 'done', 30_000);
    const uploads = api.requests.filter((r) => r.path.endsWith('/parts/BACK'));
    expect(uploads.map((r) => r.status)).to.deep.equal(['network-error', 'network-error', 503, 201]);
    expect(new Set(uploads.map((r) => r.headers['idempotency-key'])).size).to.equal(1);
    expect(uploads.every((r) => r.fileBytes === uploads[0]!.fileBytes && r.fileBytes! > 0)).to.equal(true);
  });

  it('after the retries run out: a retry button, the same image, then acknowledged', async () => {
    // FAST_RETRIES allows 4 attempts: all 4 fail, the user retries, the 5th succeeds.
    api = installFakeIdvApi({ ...AT_THE_BACK, failUploads: 4 });
    camera = installScriptedCamera({ draw: drawDesk });
    const { el, of } = await mountWidget();
    await untilStep(el, 'document-back');
    buttonByText(await uploadCard(el), 'Use this photo').click();
    await untilStep(el, 'upload');
    const upload = await stepElement(el, 'idv-upload-step');
    await waitUntil(() => upload.shadowRoot!.querySelector('[role=alert]'), 'failure alert', {
      timeout: 20_000,
    });
    expect(of('idv-error').at(-1)).to.include({ code: 'NETWORK_ERROR', recoverable: true });
    await expect(el).to.be.accessible();
    buttonByText(upload.shadowRoot!, 'Try again').click();
    await untilStep(el, 'done', 30_000);
    const attempts = api.requests.filter((r) => r.path.endsWith('/parts/BACK'));
    expect(attempts).to.have.length(5);
    expect(new Set(attempts.map((r) => r.headers['idempotency-key'])).size).to.equal(1);
  });

  it('waits out an offline period without losing the image', async () => {
    api = installFakeIdvApi(AT_THE_BACK);
    camera = installScriptedCamera({ draw: drawDesk });
    const { el } = await mountWidget();
    await untilStep(el, 'document-back');
    const root = await uploadCard(el);
    api.goOffline();
    buttonByText(root, 'Use this photo').click();
    await untilStep(el, 'upload');
    const upload = await stepElement(el, 'idv-upload-step');
    await waitUntil(() => upload.shadowRoot!.textContent!.includes('You are offline'), 'offline notice');
    expect(upload.shadowRoot!.querySelector('progress')).to.not.equal(null);
    await expect(el).to.be.accessible();
    expect(api.parts.has('BACK')).to.equal(false);
    api.goOnline();
    await untilStep(el, 'done', 30_000);
    expect(api.parts.has('BACK')).to.equal(true);
  });

  it('an image the server refuses sends the user back to capture it again', async () => {
    api = installFakeIdvApi({ ...AT_THE_BACK, rejectUploads: [{ status: 422, code: 'IMAGE_TOO_SMALL' }] });
    camera = installScriptedCamera({ draw: drawDesk });
    const { el, of } = await mountWidget();
    await untilStep(el, 'document-back');
    buttonByText(await uploadCard(el), 'Use this photo').click();
    await waitUntil(() => of('idv-error').some((e) => e.code === 'UPLOAD_REJECTED'), 'UPLOAD_REJECTED', {
      timeout: 30_000,
    });
    await untilStep(el, 'document-back');
    const root = await captureStep(el);
    await waitUntil(() => root.querySelector('.notice[role=alert]'), 'notice');
    buttonByText(await uploadCard(el), 'Use this photo').click();
    await untilStep(el, 'done', 30_000);
  });

  it('camera denied: an error screen that explains it and offers upload', async () => {
    api = installFakeIdvApi(AT_THE_BACK);
    camera = installScriptedCamera({ draw: drawDesk, failWith: 'NotAllowedError' });
    const { el, of } = await mountWidget();
    await untilStep(el, 'document-back');
    const root = await captureStep(el);
    await waitUntil(() => root.querySelector('[role=alert][data-code=CAMERA_DENIED]'), 'camera error screen');
    expect(of('idv-error')).to.deep.include({
      code: 'CAMERA_DENIED',
      message: 'Camera access was denied',
      recoverable: true,
    });
    expect(root.textContent).to.contain('Camera access is blocked');
    expect(root.querySelector('input[type=file]')).to.not.equal(null);
    await expect(el).to.be.accessible();
    // The way out works: upload a photo instead.
    buttonByText(await uploadCard(el), 'Use this photo').click();
    await untilStep(el, 'done', 30_000);
  });

  it('offers a camera switch when there are several cameras', async () => {
    api = installFakeIdvApi(ID_CARD_ONLY);
    camera = installScriptedCamera({
      draw: drawDesk,
      devices: [
        { deviceId: 'back', label: 'Back camera', facing: 'environment' },
        { deviceId: 'front', label: 'Front camera', facing: 'user' },
      ],
    });
    const { el } = await mountWidget();
    await untilStep(el, 'document-front');
    const root = await captureStep(el);
    await waitUntil(() => root.textContent!.includes('Switch camera'), 'switch button');
    expect(camera.activeDevice()!.deviceId).to.equal('back');
    buttonByText(root, 'Switch camera').click();
    await waitUntil(() => camera!.activeDevice()!.deviceId === 'front', 'switched to the front camera');
  });
});
