/**
 * Shared by the widget's end-to-end test and its benchmark: the test page served on the idv-server's own origin,
 * the generated scenes, and a scripted camera installed before any page script that shows the scene of the
 * current step (switching on `idv-step-change`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright';
import { WIDGET_SCENES } from '../../../scripts/make-widget-fixtures.js';
import { basicAuth, REPO_ROOT } from '../../support/server.js';

/** Where the end-to-end tests leave their screenshots, and the two sizes they take them at (phone first). */
export const SCREENSHOTS = join(REPO_ROOT, 'test-results/screenshots');
export const SCREENSHOT_SIZES = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;

/** The same screen at desktop and phone size (`<stem>-<w>x<h>.png`); the page is left at the phone size. */
export async function screenshotAtSizes(page: Page, stem: string): Promise<void> {
  for (const size of [...SCREENSHOT_SIZES].reverse()) {
    await page.setViewportSize(size);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
    await page.screenshot({ path: join(SCREENSHOTS, `${stem}-${size.width}x${size.height}.png`) });
  }
}

/** An OAuth access token of the demo client that `idv-server --demo` wrote to its data directory. */
export async function demoClientToken(serverUrl: string, dataDir: string): Promise<string> {
  const { id, secret } = JSON.parse(readFileSync(join(dataDir, 'demo-client.json'), 'utf8')) as {
    id: string;
    secret: string;
  };
  const response = await fetch(`${serverUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  if (response.status !== 200) throw new Error(`demo client token: HTTP ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The scripted camera's resolution: the document checks want the card ≥ ~1000 px wide at capture resolution. */
export const SCRIPTED_CAMERA = { width: 1920, height: 1440, fps: 10 } as const;

/** Which scene the camera shows on which step. */
export const SCENE_OF_STEP = {
  'document-front': WIDGET_SCENES.front.file,
  'document-back': WIDGET_SCENES.back.file,
  selfie: WIDGET_SCENES.face.file,
} as const;

const PAGE_HTML = readFileSync(join(REPO_ROOT, 'test/e2e/pages/widget-flow.html'), 'utf8');

/** `test/support/scripted-camera.ts` as a classic script, so it can run before any page script. */
export async function scriptedCameraBundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'test/support/scripted-camera.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'IdvScriptedCamera',
    target: 'es2022',
    write: false,
  });
  return result.outputFiles[0]!.text;
}

/**
 * The init script: the camera shows the current step's scene (`scenes`: file per step, served from the scenes
 * directory); `failWith` makes getUserMedia reject. Setting
 * `window.idvSceneShift` (e.g. 0.4) in the page slides the scene sideways so the checks fail until it is reset:
 * time to take a picture of the live screen before auto-capture.
 */
export function cameraInitScript(
  bundle: string,
  failWith?: 'NotAllowedError',
  scenes: Partial<Record<keyof typeof SCENE_OF_STEP, string>> = SCENE_OF_STEP,
): string {
  const config = { ...SCRIPTED_CAMERA, failWith, scenes };
  return `${bundle}
(() => {
  const config = ${JSON.stringify(config)};
  let scene;
  IdvScriptedCamera.installScriptedCamera({
    width: config.width,
    height: config.height,
    fps: config.fps,
    failWith: config.failWith,
    draw(ctx) {
      ctx.fillStyle = '#3a3f4a';
      ctx.fillRect(0, 0, config.width, config.height);
      // window.idvSceneShift (fraction of the width) slides the scene sideways: a card half out of the frame.
      const shift = (globalThis.idvSceneShift ?? 0) * config.width;
      if (scene) ctx.drawImage(scene, shift, 0, config.width, config.height);
    },
  });
  document.addEventListener('idv-step-change', (event) => {
    scene = undefined;
    const file = config.scenes[event.detail.step];
    if (file) IdvScriptedCamera.loadImageBitmap('/__e2e/scenes/' + file).then((bitmap) => { scene = bitmap; });
  });
})();`;
}

/** Serves the test page at `/__e2e/widget-flow.html` and the scenes at `/__e2e/scenes/` on the server's origin. */
export async function routeWidgetPage(
  context: BrowserContext,
  serverUrl: string,
  scenesDir: string,
): Promise<void> {
  await context.route(`${serverUrl}/__e2e/widget-flow.html*`, (route) =>
    route.fulfill({ contentType: 'text/html', body: PAGE_HTML }),
  );
  await context.route(`${serverUrl}/__e2e/scenes/*`, (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    const contentType = file.endsWith('.jpg') ? 'image/jpeg' : 'image/png';
    return route.fulfill({ contentType, body: readFileSync(join(scenesDir, file)) });
  });
}

export function widgetPageUrl(serverUrl: string, token: string, retry?: object): string {
  const query = new URLSearchParams({ token });
  if (retry) query.set('retry', JSON.stringify(retry));
  return `${serverUrl}/__e2e/widget-flow.html?${query}`;
}

/** Slides the scripted camera's scene sideways (fraction of the width); 0 puts it back. */
export const sceneShift = (page: Page, shift: number) =>
  page.evaluate((value) => {
    (globalThis as unknown as { idvSceneShift: number }).idvSceneShift = value;
  }, shift);

/** Both screenshot sizes of the widget flow, `test-results/screenshots/widget-<name>-*.png`. */
const screenshots = (page: Page, name: string) => screenshotAtSizes(page, `widget-${name}`);

/** Consent, then an identity card of Norway. */
export async function consentAndDocument(page: Page, shots: boolean): Promise<void> {
  const widget = page.locator('idv-capture');
  await widget.getByRole('heading', { name: 'Verify your identity' }).waitFor();
  if (shots) await screenshots(page, '1-consent');
  await widget.getByRole('button', { name: 'I agree, continue' }).click();
  await widget.getByRole('heading', { name: 'Choose your document' }).waitFor();
  await widget.getByRole('radio', { name: 'Identity card' }).check();
  await widget.locator('select').selectOption('NOR');
  if (shots) await screenshots(page, '2-document-type');
  await widget.getByRole('button', { name: 'Continue' }).click();
}

/**
 * Waits for the live camera step and lets auto-capture take the photo; when it has not within `autoMs`, the
 * manual shutter (offered after the widget's own timeout) takes it, as a user would.
 */
export async function captureLive(page: Page, title: string, shot?: string, autoMs = 30_000): Promise<void> {
  const widget = page.locator('idv-capture');
  await widget.getByRole('heading', { name: title }).waitFor({ timeout: 30_000 });
  if (shot) {
    // The scene is held half out of the frame (see sceneShift) until the live screen with its hint is pictured.
    const hint = widget.locator('[part="hint"]');
    const start = /^(Place your document in the frame|Position your face in the oval)$/;
    await hint.filter({ hasText: /\S/ }).waitFor();
    await page
      .waitForFunction(
        (pattern) => {
          const root = document.querySelector('idv-capture')?.shadowRoot;
          const text = root?.querySelector('idv-capture-step')?.shadowRoot?.querySelector('[part="hint"]');
          return (
            text !== null && text !== undefined && !new RegExp(pattern).test(text.textContent?.trim() ?? '')
          );
        },
        start.source,
        { timeout: 15_000 },
      )
      .catch(() => undefined);
    await screenshots(page, shot);
  }
  await sceneShift(page, 0);
  const review = widget.getByRole('heading', { name: 'Check your photo' });
  const shutter = widget.getByRole('button', { name: 'Take photo' });
  const deadline = Date.now() + autoMs;
  while (!(await review.isVisible())) {
    if (Date.now() > deadline && (await shutter.isVisible())) {
      await shutter.click();
      break;
    }
    await page.waitForTimeout(250);
  }
  await review.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
    await page.screenshot({ path: join(SCREENSHOTS, `widget-failure-${title.replace(/\W+/g, '-')}.png`) });
    throw error;
  });
}

/**
 * Accepts the photo on the review screen and returns the warning shown there, if any. A photo that failed the
 * checks is taken again (`again`) until the retake cap offers to use it anyway: the flow must never trap the user.
 */
export async function useReviewed(page: Page, again: () => Promise<void>, shot?: string): Promise<string[]> {
  const widget = page.locator('idv-capture');
  const warnings: string[] = [];
  for (let attempt = 1; ; attempt++) {
    await widget.getByRole('img').waitFor();
    if (shot && attempt === 1) await screenshots(page, shot);
    const warning = widget.locator('.review-note.warn');
    if ((await warning.count()) > 0)
      warnings.push(((await warning.textContent()) ?? '').replace(/\s+/g, ' ').trim());
    const use = widget.getByRole('button', { name: 'Use this photo' });
    if ((await use.count()) > 0) {
      await use.click();
      return warnings;
    }
    assert.ok(attempt <= 3, 'the retake cap offers "Use this photo" after three attempts');
    await widget.getByRole('button', { name: 'Retake' }).click();
    await again();
  }
}
