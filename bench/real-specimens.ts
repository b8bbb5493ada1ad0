/**
 * The real specimen documents of `../shared/realdata/documents/mrz-specimens/` (government specimens: passports, ID
 * cards, a visa, a residence card; scans and photos from PassportEye's and mrz-detection's test data), read at run
 * time for the real-specimen bench. Evaluation only: nothing here is copied into the repository, and nothing runs
 * when the folder is absent.
 *
 * Each file is cut to the document (by hand: the crop boxes below were read off the images, some of which are
 * figures with captions, two cards side by side, or a page with callouts), resampled to its format's true aspect
 * (several scans are stretched), and given the rounded corners of a real card. The label is what the widget would
 * ask for: `id1` when the user picks an identity card (also for the 105 × 74 mm French card, whose aspect is a
 * passport page's), `passport` for passport pages, the TD2 travel document and the visa.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbaImage } from '../test/support/specimens/index.js';

export const REAL_SPECIMENS_DIR = join(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'realdata',
  'documents',
  'mrz-specimens',
);

/** Document formats: aspect (long / short) and corner radius as a share of the long side. */
const FORMATS = {
  /** ID-1, 85.6 × 53.98 mm, corner radius 3.18 mm. */
  id1: { aspect: 85.6 / 53.98, radius: 3.18 / 85.6 },
  /** ID-2 / TD2, 105 × 74 mm. */
  td2: { aspect: 105 / 74, radius: 3.18 / 105 },
  /** TD3 passport data page, 125 × 88 mm. */
  td3: { aspect: 125 / 88, radius: 3.18 / 125 },
  /** MRV-A visa sticker, 120 × 80 mm. */
  mrva: { aspect: 120 / 80, radius: 2 / 120 },
} as const;

export interface RealSpecimen {
  /** File name, with a suffix when one file holds two documents. */
  name: string;
  file: string;
  kind: 'id1' | 'passport';
  side: 'front' | 'back';
  format: keyof typeof FORMATS;
  /** The document in the file, as fractions of its width and height: left, top, right, bottom. */
  crop: [number, number, number, number];
}

export const REAL_SPECIMENS: readonly RealSpecimen[] = [
  {
    name: 'id-esp-back',
    file: '0_id-esp.png',
    kind: 'id1',
    side: 'back',
    format: 'id1',
    crop: [0, 0, 0.995, 0.925],
  },
  {
    name: 'id-che-back',
    file: '100_id-che.jpg',
    kind: 'id1',
    side: 'back',
    format: 'id1',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'id-rou-front',
    file: '100_id-rou.jpg',
    kind: 'id1',
    side: 'front',
    format: 'id1',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'id-usa-back',
    file: '100_id-usa.jpg',
    kind: 'id1',
    side: 'back',
    format: 'id1',
    crop: [0.375, 0.005, 0.995, 0.985],
  },
  {
    name: 'pass-chn',
    file: '100_pass-chn.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0.01, 0.005, 0.995, 0.97],
  },
  {
    name: 'pass-cze',
    file: '100_pass-cze2.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'pass-hrv',
    file: '100_pass-hrv.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'pass-ltu',
    file: '100_pass-ltu.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'pass-pol-scan',
    file: '100_pass-polx.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0.012, 0.012, 0.99, 0.988],
  },
  {
    name: 'td2-uto',
    file: '100_pass2-uto.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td2',
    crop: [0.022, 0.098, 0.94, 0.895],
  },
  {
    name: 'visa-usa',
    file: '100_visa-usa.jpg',
    kind: 'passport',
    side: 'front',
    format: 'mrva',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'pass-uto',
    file: '25_pass-uto.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'id-usa-front',
    file: '33_id-usa.jpg',
    kind: 'id1',
    side: 'front',
    format: 'id1',
    crop: [0, 0, 0.497, 1],
  },
  {
    name: 'id-usa-back-stripe',
    file: '33_id-usa.jpg',
    kind: 'id1',
    side: 'back',
    format: 'id1',
    crop: [0.503, 0, 1, 1],
  },
  {
    name: 'pass-fra',
    file: '43_pass-fra.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'pass-pol',
    file: '62_pass-pol.png',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0, 0, 1, 1],
  },
  {
    name: 'card-cmw-back',
    file: '77_card-cmw.png',
    kind: 'id1',
    side: 'back',
    format: 'id1',
    crop: [0.008, 0.02, 0.992, 0.987],
  },
  {
    name: 'pass-can',
    file: '79_pass-can.jpg',
    kind: 'passport',
    side: 'front',
    format: 'td3',
    crop: [0.017, 0.025, 0.655, 0.93],
  },
  { name: 'id-fra-front', file: 'id1.jpg', kind: 'id1', side: 'front', format: 'td2', crop: [0, 0, 1, 1] },
  { name: 'pass-est', file: 'id2.jpg', kind: 'passport', side: 'front', format: 'td3', crop: [0, 0, 1, 1] },
  { name: 'id-aut-back', file: 'id_fail.png', kind: 'id1', side: 'back', format: 'id1', crop: [0, 0, 1, 1] },
];

/** True when the real data is there (it is not in a fresh clone). */
export function realSpecimensAvailable(): boolean {
  return existsSync(REAL_SPECIMENS_DIR);
}

/**
 * The specimen cut out, resampled to `width` px at its format's aspect, with transparent rounded corners, as RGBA.
 */
export async function loadRealSpecimen(specimen: RealSpecimen, width = 900): Promise<RgbaImage> {
  const path = join(REAL_SPECIMENS_DIR, specimen.file);
  const source = sharp(path).rotate();
  const meta = await sharp(await source.clone().png().toBuffer()).metadata();
  const W = meta.width!;
  const H = meta.height!;
  const [l, t, r, b] = specimen.crop;
  const left = Math.round(l * W);
  const top = Math.round(t * H);
  const format = FORMATS[specimen.format];
  const height = Math.round(width / format.aspect);
  const { data } = await source
    .extract({ left, top, width: Math.round(r * W) - left, height: Math.round(b * H) - top })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .removeAlpha()
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const rgba = new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);
  // Rounded corners: alpha falls off over one pixel outside the corner circle.
  const radius = format.radius * width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cx = x + 0.5 < radius ? radius : x + 0.5 > width - radius ? width - radius : x + 0.5;
      const cy = y + 0.5 < radius ? radius : y + 0.5 > height - radius ? height - radius : y + 0.5;
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      if (d > radius - 0.5)
        rgba[(y * width + x) * 4 + 3] = Math.round(255 * Math.max(0, Math.min(1, radius + 0.5 - d)));
    }
  }
  return { data: new Uint8ClampedArray(rgba), width, height };
}
