/**
 * Shared by the liveness end-to-end test and its benchmark: a scripted camera that shows the widget scenes on the
 * capture steps (as widget-driver.ts does) and, on the liveness step, behaves like a person following the
 * instructions: it reads the step's `data-action` and moves through the generated poses
 * (test/fixtures/generated/liveness/<person>-<pose>[-<percent>].jpg) one intermediate frame at a time, holds the
 * pose, and comes back to neutral when asked to look straight again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright';
import { LIVENESS_FIXTURES_DIR } from '../../../scripts/make-liveness-fixtures.js';
import { SCENE_OF_STEP, SCRIPTED_CAMERA } from './widget-driver.js';

/** Milliseconds between two poses of a movement: a turn from neutral to full takes four of them. */
export const LIVENESS_MOVE_STEP_MS = 150;

/** Serves the liveness poses at `/__e2e/liveness/<file>` on the server's origin. */
export async function routeLivenessFrames(context: BrowserContext, serverUrl: string): Promise<void> {
  await context.route(`${serverUrl}/__e2e/liveness/*`, (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    return route.fulfill({
      contentType: 'image/jpeg',
      body: readFileSync(join(LIVENESS_FIXTURES_DIR, file)),
    });
  });
}

export interface LivenessCameraOptions {
  /** Whose face the liveness poses show (default the astronaut, the person of the selfie scene). */
  person?: 'astronaut' | 'other';
  /**
   * A person who does not follow: `frozen` keeps the neutral pose whatever is asked (a photo held up), which
   * the widget answers with a timeout.
   */
  behaviour?: 'follows' | 'frozen';
}

/**
 * The init script (run before any page script): `bundle` is `scriptedCameraBundle()` of widget-driver.ts.
 * `window.idvLivenessPoses` records the poses drawn, in order, for the test to read.
 */
export function livenessCameraInitScript(bundle: string, options: LivenessCameraOptions = {}): string {
  const config = {
    ...SCRIPTED_CAMERA,
    scenes: SCENE_OF_STEP,
    person: options.person ?? 'astronaut',
    behaviour: options.behaviour ?? 'follows',
    moveStepMs: LIVENESS_MOVE_STEP_MS,
  };
  return `${bundle}
(() => {
  const config = ${JSON.stringify(config)};
  const LEVELS = [0, 25, 50, 75, 100];
  const cache = new Map();
  const poses = (globalThis.idvLivenessPoses = []);
  let scene;
  let onLiveness = false;
  // Where the head is: an action (or none) and how far into it (an index into LEVELS).
  let action;
  let level = 0;
  let lastMove = 0;
  // Holding still: when it began (ms), for the slow natural sway.
  let holdSince;

  function poseFile(pose, percent) {
    if (!pose || percent === 0) return config.person + '-neutral.jpg';
    return config.person + '-' + pose + (percent === 100 ? '' : '-' + percent) + '.jpg';
  }
  function image(file) {
    if (!cache.has(file)) {
      cache.set(file, undefined);
      IdvScriptedCamera.loadImageBitmap('/__e2e/liveness/' + file).then((bitmap) => cache.set(file, bitmap));
    }
    return cache.get(file);
  }
  function asked() {
    const widget = document.querySelector('idv-capture');
    const step = widget && widget.shadowRoot && widget.shadowRoot.querySelector('idv-liveness-step');
    return step ? step.dataset.action : undefined;
  }
  /** One step of the movement towards what the step asks for, at most every moveStepMs. */
  function follow(now) {
    const wanted = config.behaviour === 'frozen' ? 'neutral' : asked();
    if (now - lastMove < config.moveStepMs) return;
    lastMove = now;
    if (wanted === 'hold-still') {
      holdSince ??= now;
      return;
    }
    holdSince = undefined;
    const target = wanted && wanted !== 'neutral' ? wanted : undefined;
    if (target === action) {
      if (target && level < LEVELS.length - 1) level++;
      return;
    }
    // Another action (or neutral) is asked: come back through the intermediate poses first.
    if (level > 0) level--;
    else action = target;
  }
  function currentFile(now) {
    if (onLiveness && asked() === 'hold-still' && config.behaviour !== 'frozen' && holdSince !== undefined) {
      // A slow sway through three poses, 400 ms each, no pose twice in a row: burst frames taken ≥ 250 ms apart span
      // at least two of them (a fast alternation would alias with the burst's spacing and show one pose only).
      const bucket = Math.floor((now - holdSince) / 400);
      return config.person + '-' + ['neutral', 'sway-a', 'sway-b'][bucket % 3] + '.jpg';
    }
    return poseFile(action, LEVELS[level]);
  }

  IdvScriptedCamera.installScriptedCamera({
    width: config.width,
    height: config.height,
    fps: config.fps,
    draw(ctx, frame, timeMs) {
      ctx.fillStyle = '#3a3f4a';
      ctx.fillRect(0, 0, config.width, config.height);
      if (onLiveness) {
        follow(timeMs);
        const file = currentFile(timeMs);
        const bitmap = image(file);
        if (bitmap) {
          ctx.drawImage(bitmap, 0, 0, config.width, config.height);
          if (poses[poses.length - 1] !== file) poses.push(file);
        }
        // Sensor noise: a real camera never delivers the same picture twice.
        for (let i = 0; i < 40; i++) {
          const v = Math.floor(Math.random() * 255);
          ctx.fillStyle = 'rgb(' + v + ',' + v + ',' + v + ')';
          ctx.fillRect(Math.random() * config.width, Math.random() * config.height, 2, 2);
        }
      } else if (scene) {
        // window.idvSceneShift slides the scene sideways, as in widget-driver.ts.
        const shift = (globalThis.idvSceneShift ?? 0) * config.width;
        ctx.drawImage(scene, shift, 0, config.width, config.height);
      }
    },
  });
  // Warm the pose cache so the first movement is smooth.
  for (const pose of ['turn-left', 'turn-right', 'look-up', 'move-closer', 'blink']) {
    for (const percent of LEVELS) image(poseFile(pose, percent));
  }
  for (const sway of ['sway-a', 'sway-b']) image(config.person + '-' + sway + '.jpg');
  document.addEventListener('idv-step-change', (event) => {
    scene = undefined;
    onLiveness = event.detail.step === 'liveness';
    const file = config.scenes[event.detail.step];
    if (file) IdvScriptedCamera.loadImageBitmap('/__e2e/scenes/' + file).then((bitmap) => { scene = bitmap; });
  });
})();`;
}
