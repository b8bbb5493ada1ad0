/**
 * The liveness step in the widget, through the real camera controller, frame loop, analysis worker (MediaPipe on
 * the built offline assets) and transport, against the in-page fake API. The scripted camera shows the astronaut
 * and follows the step's `data-action` like a person would: for `move-closer` the face grows (a zoom on the photo,
 * which real landmarks see as a closer face), for anything else it stays put.
 */
import { emulateMedia } from '@web/test-runner-commands';
import { expect, waitUntil } from '@open-wc/testing';
import type { LivenessFrameMeta } from '../../../src/shared/api/liveness.js';
import type { IdvLivenessStep } from '../../../src/widget/liveness-step/liveness-step.js';
import { type FakeIdvApi, installFakeIdvApi } from '../../support/fake-idv-api.js';
import {
  installScriptedCamera,
  loadImageBitmap,
  type ScriptedCamera,
} from '../../support/scripted-camera.js';
import { buttonByText, mountWidget, stepElement, untilStep } from './widget-helpers.js';

/** Astronaut face centre in the 512 × 512 photo, and the square crop that frames it as a selfie would. */
const FACE_CENTRE = { x: 224.5, y: 129.5 };
const CROP = 230;

/** The step inside the widget, or undefined. */
function livenessStep(root: ShadowRoot): IdvLivenessStep | undefined {
  return root.querySelector('idv-liveness-step') ?? undefined;
}

/**
 * A 640 × 480 camera showing the astronaut; `zoom(action)` says how much closer the face is for the step's current
 * `data-action`; the zoom moves towards it over a few frames (a smooth movement, not a jump).
 */
function faceCamera(
  portrait: ImageBitmap,
  widgetRoot: () => ShadowRoot | undefined,
  zoom: (action: string | undefined) => number,
): ScriptedCamera {
  let current = 1;
  return installScriptedCamera({
    width: 640,
    height: 480,
    fps: 15,
    draw: (ctx, frame) => {
      const root = widgetRoot();
      const action = root ? livenessStep(root)?.dataset.action : undefined;
      const target = zoom(action);
      current += Math.sign(target - current) * Math.min(Math.abs(target - current), 0.1);
      ctx.fillStyle = '#5a606b';
      ctx.fillRect(0, 0, 640, 480);
      const crop = CROP / current;
      // A one-pixel wobble: a real camera never sends the same picture twice.
      const wobble = frame % 2;
      ctx.drawImage(
        portrait,
        FACE_CENTRE.x - crop / 2,
        FACE_CENTRE.y - crop / 2,
        crop,
        crop,
        80 + wobble,
        0,
        480,
        480,
      );
    },
  });
}

describe('<idv-capture> liveness step', () => {
  let api: FakeIdvApi | undefined;
  let camera: ScriptedCamera | undefined;
  let portrait: ImageBitmap;

  before(async () => {
    portrait = await loadImageBitmap('/test/fixtures/astronaut.png');
  });

  afterEach(async () => {
    api?.uninstall();
    camera?.uninstall();
    api = undefined;
    camera = undefined;
    await emulateMedia({ reducedMotion: 'no-preference' });
  });

  /** A session where only liveness is left: consent given, the selfie already on the server. */
  function livenessOnly(extra: Parameters<typeof installFakeIdvApi>[0] = {}): FakeIdvApi {
    return installFakeIdvApi({
      categories: ['SELFIE'],
      consentGiven: true,
      uploaded: ['FACE'],
      liveness: { mode: 'passive_active', status: 'REQUIRED' },
      ...extra,
    });
  }

  const frameMetas = (fake: FakeIdvApi, nonce: string): LivenessFrameMeta[] =>
    fake.requests.filter((r) => r.meta?.nonce === nonce && r.status === 201).map((r) => r.meta!);

  it('shows and announces one instruction per action, uploads tagged frames in order, and RETRY asks for a new challenge', async () => {
    api = livenessOnly({
      livenessChallenges: [['move-closer'], ['move-closer']],
      livenessAnswers: ['RETRY', 'DONE'],
    });
    const { el, of } = await mountWidget();
    camera = faceCamera(
      portrait,
      () => el.shadowRoot ?? undefined,
      (action) => (action === 'move-closer' ? 1.6 : 1),
    );
    await untilStep(el, 'liveness');
    expect(of('idv-step-change').map((e) => e.step)).to.deep.equal(['liveness']);
    const step = await stepElement<IdvLivenessStep>(el, 'idv-liveness-step');
    const root = step.shadowRoot!;
    expect(step.dataset.livenessState).to.equal('intro');
    expect(root.textContent).to.match(/not a certified anti-spoofing test/);
    await expect(el).to.be.accessible();

    const instructions: string[] = [];
    const actions: string[] = [];
    const watch = () => {
      const text = root.querySelector('[part=instruction]')?.textContent?.trim();
      if (text && instructions.at(-1) !== text) instructions.push(text);
      const action = step.dataset.action;
      if (action && actions.at(-1) !== action) actions.push(action);
    };
    const observer = new MutationObserver(watch);
    observer.observe(root, { subtree: true, childList: true, characterData: true });
    observer.observe(step, { attributes: true });

    buttonByText(root, 'Start').click();
    await waitUntil(() => step.dataset.livenessState === 'retry', 'first challenge answered RETRY', {
      timeout: 45_000,
    });
    observer.disconnect();
    // The instruction region is a polite live region, and it said each instruction in turn.
    await waitUntil(() => true);
    expect(instructions).to.include.members([
      'Look straight at the camera',
      'Move your face closer to the camera',
      'Now look straight at the camera again',
    ]);
    expect(instructions.indexOf('Move your face closer to the camera')).to.be.greaterThan(
      instructions.indexOf('Look straight at the camera'),
    );
    expect(actions.slice(0, 3)).to.deep.equal(['neutral', 'move-closer', 'neutral']);

    const first = frameMetas(api, 'nonce-1');
    expect(first.map((m) => [m.index, m.kind, m.step, m.action])).to.deep.equal([
      [0, 'neutral', 0, undefined],
      [1, 'peak', 0, 'move-closer'],
      [2, 'neutral', 1, undefined],
    ]);
    for (let i = 1; i < first.length; i++)
      expect(first[i]!.capturedAtMs).to.be.greaterThan(first[i - 1]!.capturedAtMs);
    const frameBytes = api.requests.filter((r) => r.meta).map((r) => r.fileBytes ?? 0);
    expect(Math.max(...frameBytes)).to.be.at.most(80 * 1024);
    expect(Math.min(...frameBytes)).to.be.greaterThan(1000);
    expect(root.querySelector('[role=alert]')?.textContent).to.match(/could not confirm the movements/);

    // Try again: a new challenge (new nonce), and this time DONE moves the flow on to the upload.
    buttonByText(root, 'Try again').click();
    await untilStep(el, 'done', 45_000);
    expect(api.state.challenges.map((c) => c.completed)).to.deep.equal([true, true]);
    expect(frameMetas(api, 'nonce-2').map((m) => m.kind)).to.deep.equal(['neutral', 'peak', 'neutral']);
    expect(api.state.status).to.equal('ACQUIRED');
  });

  it('a step that times out offers "Try again", which requests a new challenge', async () => {
    api = livenessOnly({ livenessChallenges: [['turn-left']] });
    const { el } = await mountWidget();
    // No face at all: the neutral pose is never found.
    camera = installScriptedCamera({
      width: 640,
      height: 480,
      fps: 15,
      draw: (ctx) => {
        ctx.fillStyle = '#5a606b';
        ctx.fillRect(0, 0, 640, 480);
      },
    });
    await untilStep(el, 'liveness');
    const step = await stepElement<IdvLivenessStep>(el, 'idv-liveness-step');
    step.stepTimeoutMs = 1500;
    const root = step.shadowRoot!;
    buttonByText(root, 'Start').click();
    await waitUntil(() => step.dataset.livenessState === 'running', 'running', { timeout: 30_000 });
    await waitUntil(
      () => root.querySelector('[part=hint]')?.textContent?.trim() === 'We cannot see your face',
      'no-face hint',
      { timeout: 30_000 },
    );
    await waitUntil(() => step.dataset.livenessState === 'retry', 'timed out', { timeout: 10_000 });
    expect(step.dataset.action).to.equal(undefined);
    expect(root.querySelector('[role=alert]')?.textContent).to.match(/took a little too long/);
    expect(api.state.challenges).to.have.length(1);
    expect(api.state.challenges[0]!.completed).to.equal(false);
    buttonByText(root, 'Try again').click();
    await waitUntil(() => api!.state.challenges.length === 2, 'a second challenge', { timeout: 10_000 });
    await waitUntil(() => step.dataset.livenessState === 'running', 'running again', { timeout: 10_000 });
    expect(el.step).to.equal('liveness');
  });

  it('animates the action cue, and not at all under prefers-reduced-motion', async () => {
    api = livenessOnly({ livenessChallenges: [['turn-left']] });
    const { el } = await mountWidget();
    // The face stays frontal: the turn is never done, so its cue stays on screen.
    camera = faceCamera(
      portrait,
      () => el.shadowRoot ?? undefined,
      () => 1,
    );
    await untilStep(el, 'liveness');
    const step = await stepElement<IdvLivenessStep>(el, 'idv-liveness-step');
    const root = step.shadowRoot!;
    buttonByText(root, 'Start').click();
    await waitUntil(() => step.dataset.action === 'turn-left', 'turn-left asked', { timeout: 45_000 });
    await step.updateComplete;
    const icon = () => root.querySelector('.cue[data-cue="turn-left"] .cue-icon');
    expect(icon()).to.not.equal(null);
    expect(root.querySelector('[part=instruction]')!.textContent!.trim()).to.equal(
      'Slowly turn your head to your left',
    );
    expect(getComputedStyle(icon()!).animationName).to.equal('idv-nudge-left');
    await expect(el).to.be.accessible();
    await emulateMedia({ reducedMotion: 'reduce' });
    expect(getComputedStyle(icon()!).animationName).to.equal('none');
    // The preview is mirrored for the user; the frames sent are not (they come from the video, not the CSS).
    expect(getComputedStyle(root.querySelector('video')!).transform).to.not.equal('none');
  });

  it('EXHAUSTED: says it could not confirm and lets the user continue', async () => {
    api = livenessOnly({ livenessChallenges: [['move-closer']], livenessAnswers: ['EXHAUSTED'] });
    const { el } = await mountWidget();
    camera = faceCamera(
      portrait,
      () => el.shadowRoot ?? undefined,
      (action) => (action === 'move-closer' ? 1.6 : 1),
    );
    await untilStep(el, 'liveness');
    const step = await stepElement<IdvLivenessStep>(el, 'idv-liveness-step');
    const root = step.shadowRoot!;
    buttonByText(root, 'Start').click();
    await waitUntil(() => step.dataset.livenessState === 'exhausted', 'exhausted', { timeout: 45_000 });
    expect(root.querySelector('h2')!.textContent!.trim()).to.equal('We could not confirm the check');
    expect(el.step).to.equal('liveness');
    buttonByText(root, 'Continue').click();
    await untilStep(el, 'done', 30_000);
  });
});
