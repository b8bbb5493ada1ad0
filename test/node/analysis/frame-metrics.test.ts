import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  directionalSharpness,
  directionalVariances,
  exposureStats,
  glareStats,
  laplacianVariance,
  lumaHistogram,
  streakAnisotropy,
  toLuma,
} from '../../../src/analysis/index.js';

function rgbaFrame(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

/** Luma image from a function, for the metric tests. */
function lumaImage(width: number, height: number, value: (x: number, y: number) => number) {
  const luma = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) luma[y * width + x] = value(x, y);
  return luma;
}

describe('frame metrics', () => {
  it('toLuma weights RGB like BT.601 and area-averages when downscaling', () => {
    const red = toLuma(rgbaFrame(4, 2, () => [255, 0, 0]));
    assert.equal(red.luma[0], 77);
    assert.equal(toLuma(rgbaFrame(4, 2, () => [0, 255, 0])).luma[0], 149);
    // A 1-px checkerboard averages to mid-grey at half size.
    const checker = toLuma(
      rgbaFrame(8, 6, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0])),
      4,
    );
    assert.equal(checker.width, 4);
    assert.equal(checker.height, 3);
    assert.equal(checker.scale, 2);
    for (const v of checker.luma) assert.ok(Math.abs(v - 128) <= 1, `value ${v}`);
    assert.equal(
      toLuma(
        rgbaFrame(8, 6, () => [9, 9, 9]),
        16,
      ).scale,
      1,
      'never upscales',
    );
  });

  it('laplacianVariance is 0 on flat or linear ramps and larger for sharper edges', () => {
    assert.equal(
      laplacianVariance(
        lumaImage(20, 20, () => 100),
        20,
        20,
      ),
      0,
    );
    assert.equal(
      laplacianVariance(
        lumaImage(20, 20, (x) => 5 * x),
        20,
        20,
      ),
      0,
    );
    const sharp = laplacianVariance(
      lumaImage(20, 20, (x) => (x < 10 ? 50 : 200)),
      20,
      20,
    );
    const soft = laplacianVariance(
      lumaImage(20, 20, (x) => Math.round(50 + 150 / (1 + Math.exp(-(x - 9.5) / 2)))),
      20,
      20,
    );
    assert.ok(sharp > 4 * soft, `sharp ${sharp}, soft ${soft}`);
    // Region restricts the measurement: the flat left half has no edge.
    assert.equal(
      laplacianVariance(
        lumaImage(20, 20, (x) => (x < 10 ? 50 : 200)),
        20,
        20,
        { x: 0, y: 0, width: 8, height: 20 },
      ),
      0,
    );
  });

  it('directionalSharpness drops for a one-directional smear that the Laplacian barely sees', () => {
    const w = 64;
    // Vertical plus horizontal stripes; then smear horizontally, which wipes out the vertical stripes only.
    const grid = (x: number, y: number) =>
      30 + (Math.floor(x / 3) % 2 ? 95 : 0) + (Math.floor(y / 3) % 2 ? 95 : 0);
    const crisp = lumaImage(w, w, grid);
    const smeared = lumaImage(w, w, (x, y) => {
      let s = 0;
      for (let k = -3; k <= 3; k++) s += grid(Math.min(w - 1, Math.max(0, x + k)), y);
      return Math.round(s / 7);
    });
    const ratioDirectional = directionalSharpness(smeared, w, w) / directionalSharpness(crisp, w, w);
    const ratioLaplacian = laplacianVariance(smeared, w, w) / laplacianVariance(crisp, w, w);
    assert.ok(ratioDirectional < 0.1, `directional kept ${ratioDirectional}`);
    assert.ok(ratioLaplacian > ratioDirectional * 2, `laplacian kept ${ratioLaplacian}`);
  });

  it('streakAnisotropy is near 1 on noise, blurred or not, and high once it is streaked one way', () => {
    const w = 96;
    // Seeded value noise: fine texture with no direction, like skin pores and sensor noise.
    let seed = 7;
    const noise = Array.from({ length: w * w }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 40 + (seed % 170);
    });
    const at = (x: number, y: number) =>
      noise[Math.min(w - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))]!;
    const mean = (pick: (k: number) => number, r: number) => {
      let s = 0;
      for (let k = -r; k <= r; k++) s += pick(k);
      return Math.round(s / (2 * r + 1));
    };
    const crisp = lumaImage(w, w, at);
    const defocused = lumaImage(w, w, (x, y) => mean((k) => mean((j) => at(x + j, y + k), 1), 1));
    const streaked = lumaImage(w, w, (x, y) => mean((k) => at(x + k, y), 3));
    const diagonal = lumaImage(w, w, (x, y) => mean((k) => at(x + k, y + k), 3));
    const of = (img: Uint8Array) => streakAnisotropy(directionalVariances(img, w, w));
    assert.ok(of(crisp) < 1.3, `noise ${of(crisp)}`);
    assert.ok(of(defocused) < 1.5, `defocused ${of(defocused)}`);
    assert.ok(of(streaked) > 3, `streaked along x ${of(streaked)}`);
    assert.ok(of(diagonal) > 3, `streaked along a diagonal ${of(diagonal)}`);
  });

  it('lumaHistogram and exposureStats count dark, bright and mean', () => {
    const luma = lumaImage(10, 10, (x) => (x < 2 ? 10 : x < 4 ? 255 : 128));
    const hist = lumaHistogram(luma, 10, 10);
    assert.equal(hist[10], 20);
    assert.equal(hist[255], 20);
    assert.equal(hist[128], 60);
    const e = exposureStats(hist);
    assert.equal(e.darkRatio, 0.2);
    assert.equal(e.brightRatio, 0.2);
    assert.ok(Math.abs(e.meanLuma - (10 * 20 + 255 * 20 + 128 * 60) / 100) < 1e-9);
    const region = lumaHistogram(luma, 10, 10, { x: 4, y: 0, width: 6, height: 10 });
    assert.equal(region[128], 60);
    assert.equal(exposureStats(region).darkRatio, 0);
  });

  it('glareStats finds a soft-edged highlight blob but not hard-edged white print', () => {
    const w = 80;
    const h = 60;
    // Light card (200) with a Gaussian highlight (σ = 12 px) saturating its centre.
    const highlight = lumaImage(w, h, (x, y) =>
      Math.min(255, 200 + 90 * Math.exp(-((x - 40) ** 2 + (y - 30) ** 2) / (2 * 12 ** 2))),
    );
    const g = glareStats(highlight, w, h);
    assert.ok(g.largestCluster > 0.02, `cluster ${g.largestCluster}`);
    assert.equal(g.ratio, g.largestCluster, 'one blob');
    // A white band with black text marks: saturated, but with a hard rim.
    const print = lumaImage(w, h, (x, y) => (y < 20 || y > 40 ? 200 : x % 6 < 2 && y % 8 < 5 ? 20 : 255));
    const p = glareStats(print, w, h);
    assert.equal(p.ratio, 0);
    assert.ok(p.saturatedRatio > 0.1, `saturated ${p.saturatedRatio}`);
    assert.equal(glareStats(highlight, w, h, { region: { x: 0, y: 0, width: 15, height: 15 } }).ratio, 0);
  });
});
