import { expect } from '@open-wc/testing';
import { installScriptedCamera, loadImageBitmap, type ScriptedCamera } from '../support/scripted-camera.js';

// Mocha globals provided by @web/test-runner (no @types/mocha in the project).
declare function describe(name: string, fn: () => void): void;
declare function it(name: string, fn: () => Promise<void> | void): void;
declare function afterEach(fn: () => void): void;

/** Plays `stream` in a fresh <video> and resolves once it has a frame to show. */
async function play(stream: MediaStream): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  document.body.append(video);
  await video.play();
  await waitFor(() => video.videoWidth > 0);
  return video;
}

async function waitFor(test: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The RGB of one video pixel, read back through a canvas. */
function videoPixel(video: HTMLVideoElement, x: number, y: number): [number, number, number] {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(video, 0, 0);
  const d = ctx.getImageData(x, y, 1, 1).data;
  return [d[0]!, d[1]!, d[2]!];
}

const near = (a: number[], b: number[], tol = 12) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

/** Left half one colour, right half another: a pattern a constant-colour bug could not fake. */
function halves(left: string, right: string) {
  return (ctx: CanvasRenderingContext2D) => {
    const { width, height } = ctx.canvas;
    ctx.fillStyle = left;
    ctx.fillRect(0, 0, width / 2, height);
    ctx.fillStyle = right;
    ctx.fillRect(width / 2, 0, width / 2, height);
  };
}

describe('scripted camera', () => {
  let camera: ScriptedCamera | undefined;
  const originalGum = navigator.mediaDevices.getUserMedia;

  afterEach(() => {
    camera?.uninstall();
    camera = undefined;
    for (const v of document.querySelectorAll('video')) {
      for (const t of (v.srcObject as MediaStream | null)?.getTracks() ?? []) t.stop();
      v.remove();
    }
  });

  it('delivers the drawn scene to a <video>, pixel for pixel', async () => {
    camera = installScriptedCamera({
      width: 320,
      height: 240,
      fps: 30,
      draw: halves('rgb(255,0,0)', 'rgb(0,0,255)'),
    });
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    const video = await play(stream);
    expect([video.videoWidth, video.videoHeight]).to.deep.equal([320, 240]);
    await waitFor(() => near(videoPixel(video, 80, 120), [255, 0, 0]), 'red left half');
    expect(near(videoPixel(video, 240, 120), [0, 0, 255])).to.equal(true);
    expect(camera.framesDrawn()).to.be.greaterThan(0);
  });

  it('switching the scene changes the pixels', async () => {
    camera = installScriptedCamera({ width: 320, height: 240, draw: halves('rgb(255,0,0)', 'rgb(0,0,255)') });
    const video = await play(await navigator.mediaDevices.getUserMedia({ video: {} }));
    await waitFor(() => near(videoPixel(video, 80, 120), [255, 0, 0]), 'first scene');
    camera.setDraw(halves('rgb(0,255,0)', 'rgb(255,255,0)'));
    await waitFor(() => near(videoPixel(video, 80, 120), [0, 255, 0]), 'second scene');
    expect(near(videoPixel(video, 240, 120), [255, 255, 0])).to.equal(true);
  });

  it('passes frame numbers and time to the draw function and keeps drawing', async () => {
    const seen: number[] = [];
    camera = installScriptedCamera({
      fps: 50,
      draw: (ctx, frame, timeMs) => {
        seen.push(frame);
        ctx.fillStyle = `rgb(${frame % 256}, 0, 0)`;
        ctx.fillRect(0, 0, 10, 10);
        expect(timeMs).to.be.at.least(0);
      },
    });
    await waitFor(() => camera!.framesDrawn() >= 5, 'five frames');
    expect(seen.slice(0, 5)).to.deep.equal([0, 1, 2, 3, 4]);
    camera.stop();
    const stoppedAt = camera.framesDrawn();
    await new Promise((r) => setTimeout(r, 100));
    expect(camera.framesDrawn()).to.equal(stoppedAt);
  });

  it('honours facingMode and deviceId, and lists the devices', async () => {
    const devices = [
      { deviceId: 'front', label: 'Front camera', facing: 'user' as const },
      { deviceId: 'back', label: 'Back camera', facing: 'environment' as const },
    ];
    camera = installScriptedCamera({
      devices,
      draw: (ctx, _f, _t, device) => {
        ctx.fillStyle = device.facing === 'environment' ? 'rgb(0,255,0)' : 'rgb(255,0,255)';
        ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      },
    });
    const listed = await navigator.mediaDevices.enumerateDevices();
    expect(listed.map((d) => [d.kind, d.deviceId, d.label])).to.deep.equal([
      ['videoinput', 'front', 'Front camera'],
      ['videoinput', 'back', 'Back camera'],
    ]);

    const back = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    const track = back.getVideoTracks()[0]!;
    expect(track.getSettings().deviceId).to.equal('back');
    expect(track.getSettings().facingMode).to.equal('environment');
    expect(track.label).to.equal('Back camera');
    const video = await play(back);
    await waitFor(() => near(videoPixel(video, 10, 10), [0, 255, 0]), 'back camera scene');

    const byId = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: 'front' } } });
    expect(byId.getVideoTracks()[0]!.getSettings().facingMode).to.equal('user');
    expect(camera.activeDevice()?.deviceId).to.equal('front');
    for (const t of byId.getTracks()) t.stop();

    const ideal = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: 'environment' } },
    });
    expect(ideal.getVideoTracks()[0]!.getSettings().deviceId).to.equal('back');
    for (const t of ideal.getTracks()) t.stop();

    let error: unknown;
    try {
      await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: 'missing' } } });
    } catch (e) {
      error = e;
    }
    expect((error as DOMException).name).to.equal('OverconstrainedError');
  });

  for (const name of [
    'NotAllowedError',
    'NotFoundError',
    'NotReadableError',
    'OverconstrainedError',
  ] as const) {
    it(`failWith ${name} rejects getUserMedia with that DOMException`, async () => {
      camera = installScriptedCamera({ failWith: name, draw: () => {} });
      let error: unknown;
      try {
        await navigator.mediaDevices.getUserMedia({ video: true });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(DOMException);
      expect((error as DOMException).name).to.equal(name);
      expect(camera.requests()).to.equal(1);
    });
  }

  it('can deny first and allow on retry', async () => {
    camera = installScriptedCamera({ failWith: 'NotAllowedError', draw: halves('white', 'black') });
    await navigator.mediaDevices.getUserMedia({ video: true }).then(
      () => expect.fail('should have been denied'),
      (e: DOMException) => expect(e.name).to.equal('NotAllowedError'),
    );
    camera.setFailWith(undefined);
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    expect(stream.getVideoTracks()).to.have.length(1);
    for (const t of stream.getTracks()) t.stop();
  });

  it('stop() ends the tracks and uninstall() restores the browser getUserMedia', async () => {
    camera = installScriptedCamera({ draw: halves('red', 'blue') });
    expect(navigator.mediaDevices.getUserMedia).not.to.equal(originalGum);
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    camera.uninstall();
    camera = undefined;
    expect(stream.getVideoTracks()[0]!.readyState).to.equal('ended');
    expect(navigator.mediaDevices.getUserMedia).to.equal(originalGum);
  });

  it('draws fixture images loaded with loadImageBitmap', async () => {
    const bitmap = await loadImageBitmap('/test/fixtures/astronaut.png');
    expect([bitmap.width, bitmap.height]).to.deep.equal([512, 512]);
    const reference = document.createElement('canvas');
    reference.width = 512;
    reference.height = 512;
    const rctx = reference.getContext('2d', { willReadFrequently: true })!;
    rctx.drawImage(bitmap, 0, 0);
    const at = rctx.getImageData(256, 100, 1, 1).data;
    camera = installScriptedCamera({ width: 512, height: 512, draw: (ctx) => ctx.drawImage(bitmap, 0, 0) });
    const video = await play(await navigator.mediaDevices.getUserMedia({ video: true }));
    await waitFor(() => near(videoPixel(video, 256, 100), [at[0]!, at[1]!, at[2]!], 16), 'astronaut pixel');
    let missing: unknown;
    await loadImageBitmap('/test/fixtures/does-not-exist.png').catch((e) => {
      missing = e;
    });
    expect((missing as { code?: string }).code).to.equal('SCRIPTED_CAMERA_IMAGE_LOAD');
  });
});
