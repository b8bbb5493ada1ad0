/**
 * Our own presentation-attack media, rendered from a face photo (ISO/IEC 30107 "presentation attack instruments"):
 * - `printedPhotoAttack`: the photo printed on paper (ink range, desaturation, halftone and paper grain) and the print
 *   held up to the camera (perspective, a little tilt and defocus, sensor noise, JPEG);
 * - `screenReplayAttack`: the photo shown on a phone or tablet screen (gamma and blue cast of a display, RGB
 *   sub-pixel stripes, moiré against the camera's sensor grid, a dark bezel) and that screen filmed.
 * What varies per seed is what varies in the world: print contrast and grain, moiré period and angle, how the
 * attack is held (distance, rotation, tilt), focus, exposure. Bona fide counterparts: `renderFaceScene` of the
 * same photo. Used by the `faces-real` bench (APCER / BPCER) and the liveness tests.
 */
import { randomFor } from './random.js';
import { createRgbaImage, type RgbaImage } from './rgba-image.js';
import { renderScene } from './scene.js';

function mapPixels(
  src: RgbaImage,
  fn: (r: number, g: number, b: number, x: number, y: number) => [number, number, number],
): RgbaImage {
  const out = createRgbaImage(src.width, src.height);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const i = (y * src.width + x) * 4;
      const [r, g, b] = fn(src.data[i] as number, src.data[i + 1] as number, src.data[i + 2] as number, x, y);
      out.data[i] = r;
      out.data[i + 1] = g;
      out.data[i + 2] = b;
      out.data[i + 3] = 255;
    }
  }
  return out;
}

/** A face photo printed and held in front of the camera, seen at `width` × `height`. */
export function printedPhotoAttack(photo: RgbaImage, seed: number, width = 640, height = 480): RgbaImage {
  const rng = randomFor(seed, 'print-attack');
  const black = 18 + 20 * rng.next();
  const white = 225 + 20 * rng.next();
  const saturation = 0.7 + 0.2 * rng.next();
  const dot = 2.5 + 1.5 * rng.next();
  const grain = randomFor(seed, 'paper-grain');
  const print = mapPixels(photo, (r, g, b, x, y) => {
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    // Halftone rosette: a faint periodic dot screen; paper grain: per-pixel noise.
    const halftone = 1 + 0.06 * Math.sin((2 * Math.PI * x) / dot) * Math.sin((2 * Math.PI * y) / dot);
    const noise = (grain.next() - 0.5) * 10;
    const ink = (c: number) => {
      const desaturated = luma + saturation * (c - luma);
      return black + ((white - black) * desaturated * halftone) / 255 + noise;
    };
    return [ink(r), ink(g) * 0.99, ink(b) * 0.96];
  });
  const { image } = renderScene(print, {
    width,
    height,
    seed,
    background: rng.next() < 0.5 ? 'plain' : 'noise',
    scale: 0.85 + 0.25 * rng.next(),
    rotationDeg: (rng.next() - 0.5) * 10,
    tiltDeg: (rng.next() - 0.5) * 20,
    blurSigma: 0.5 + 0.8 * rng.next(),
    exposure: 0.85 + 0.3 * rng.next(),
    noise: 2 + 3 * rng.next(),
  });
  return image;
}

/** A face photo shown on a screen and filmed, seen at `width` × `height`. */
export function screenReplayAttack(photo: RgbaImage, seed: number, width = 640, height = 480): RgbaImage {
  const rng = randomFor(seed, 'screen-attack');
  const period = 3 + 2.5 * rng.next();
  const angle = rng.next() * Math.PI;
  const moire = 0.06 + 0.08 * rng.next();
  const blueCast = 6 + 10 * rng.next();
  const bezel = Math.round(Math.min(photo.width, photo.height) * (0.04 + 0.04 * rng.next()));
  const screenWidth = photo.width + 2 * bezel;
  const screenHeight = photo.height + 2 * bezel;
  const screen = createRgbaImage(screenWidth, screenHeight);
  const shown = mapPixels(photo, (r, g, b, x, y) => {
    const wave = 1 + moire * Math.sin((2 * Math.PI * (x * Math.cos(angle) + y * Math.sin(angle))) / period);
    // Sub-pixel stripes: each column is a little stronger in its own primary.
    const column = x % 3;
    const display = (c: number) => 255 * (c / 255) ** 0.85;
    return [
      display(r) * wave * (column === 0 ? 1.04 : 0.96),
      display(g) * wave * (column === 1 ? 1.04 : 0.96),
      (display(b) + blueCast) * wave * (column === 2 ? 1.04 : 0.96),
    ];
  });
  for (let y = 0; y < screenHeight; y++) {
    for (let x = 0; x < screenWidth; x++) {
      const o = (y * screenWidth + x) * 4;
      const inside = x >= bezel && y >= bezel && x < bezel + photo.width && y < bezel + photo.height;
      const i = ((y - bezel) * photo.width + (x - bezel)) * 4;
      screen.data[o] = inside ? (shown.data[i] as number) : 12;
      screen.data[o + 1] = inside ? (shown.data[i + 1] as number) : 12;
      screen.data[o + 2] = inside ? (shown.data[i + 2] as number) : 14;
      screen.data[o + 3] = 255;
    }
  }
  const { image } = renderScene(screen, {
    width,
    height,
    seed,
    background: rng.next() < 0.5 ? 'plain' : 'noise',
    scale: 0.8 + 0.3 * rng.next(),
    rotationDeg: (rng.next() - 0.5) * 8,
    tiltDeg: (rng.next() - 0.5) * 16,
    blurSigma: 0.4 + 0.8 * rng.next(),
    exposure: 0.9 + 0.3 * rng.next(),
    // A screen is its own light source: a soft reflection on the glass.
    glare: { x: rng.next(), y: rng.next(), radius: 0.25, intensity: 0.15 + 0.2 * rng.next() },
    noise: 2 + 3 * rng.next(),
  });
  return image;
}
