import { expect } from '@open-wc/testing';
import { FramePixelReader } from '../../../src/capture/frame-pixels.js';

/** A frame with distinct colours in every region, so a wrong channel order or offset shows. */
async function testFrame(width: number, height: number): Promise<ImageBitmap> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  const gradient = ctx.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, 'rgb(250, 20, 40)');
  gradient.addColorStop(0.5, 'rgb(30, 200, 90)');
  gradient.addColorStop(1, 'rgb(10, 60, 230)');
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = 'rgb(255, 255, 0)';
  ctx.fillRect(width * 0.1, height * 0.2, width * 0.2, height * 0.1);
  return createImageBitmap(canvas);
}

/** What drawing the frame at `width` on a canvas and reading it back gives. */
function canvasPixels(frame: ImageBitmap, width: number, height: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(frame, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

function maxDifference(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('FramePixelReader', () => {
  it('copies a frame of analysis size through VideoFrame, with the pixels a canvas gives', async () => {
    const reader = new FramePixelReader(640);
    const frame = await testFrame(640, 480);
    const { image, scale } = await reader.read(frame);
    expect(reader.copyPath).to.equal('video-frame');
    expect(scale).to.equal(1);
    expect([image.width, image.height]).to.deep.equal([640, 480]);
    expect(maxDifference(image.data, canvasPixels(frame, 640, 480))).to.equal(0);
  });

  it('reuses one buffer across frames, each read showing its own frame', async () => {
    const reader = new FramePixelReader(640);
    const first = await reader.read(await testFrame(640, 480));
    const firstPixel = [...first.image.data.slice(0, 4)];
    const dark = new OffscreenCanvas(640, 480);
    const ctx = dark.getContext('2d')!;
    ctx.fillStyle = 'rgb(5, 6, 7)';
    ctx.fillRect(0, 0, 640, 480);
    const second = await reader.read(await createImageBitmap(dark));
    expect(second.image.data.buffer).to.equal(first.image.data.buffer);
    expect([...second.image.data.slice(0, 4)]).to.deep.equal([5, 6, 7, 255]);
    expect(firstPixel).to.not.deep.equal([5, 6, 7, 255]);
  });

  it('scales a larger frame down to the analysis width on a canvas', async () => {
    const reader = new FramePixelReader(640);
    const frame = await testFrame(1280, 960);
    const { image, scale } = await reader.read(frame);
    expect(scale).to.equal(2);
    expect([image.width, image.height]).to.deep.equal([640, 480]);
    expect(maxDifference(image.data, canvasPixels(frame, 640, 480))).to.equal(0);
  });

  it('draws and reads back just a rectangle of a frame of analysis size, and leaves larger frames to the caller', async () => {
    const reader = new FramePixelReader(640);
    const frame = await testFrame(640, 480);
    const rect = { x: 50, y: 90, width: 151, height: 77 };
    const region = reader.readRect(frame, rect);
    expect(region, 'copied').to.not.equal(undefined);
    expect([region!.width, region!.height]).to.deep.equal([151, 77]);
    const whole = canvasPixels(frame, 640, 480);
    let max = 0;
    for (let y = 0; y < rect.height; y++) {
      for (let x = 0; x < rect.width * 4; x++) {
        const a = region!.data[y * rect.width * 4 + x]!;
        const b = whole[((rect.y + y) * 640 + rect.x) * 4 + x]!;
        max = Math.max(max, Math.abs(a - b));
      }
    }
    expect(max).to.equal(0);
    expect(reader.readRect(await testFrame(1280, 960), rect)).to.equal(undefined);
  });
});
