import { expect } from '@open-wc/testing';
import { COMPRESSION_PROFILES, compressImage } from '../../../src/capture/compression.js';

/** A photo-like image: smooth gradients plus seeded noise, so JPEG cannot shrink it trivially. */
async function noisyJpeg(width: number, height: number, quality = 1): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const n = rand() * 60;
      img.data[i] = ((x / width) * 200 + n) | 0;
      img.data[i + 1] = ((y / height) * 200 + n) | 0;
      img.data[i + 2] = (128 + n) | 0;
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas.convertToBlob({ type: 'image/jpeg', quality });
}

/** Inserts an EXIF APP1 segment (orientation tag, and a GPS-like marker string) right after SOI. */
async function withExif(jpeg: Blob, orientation: number): Promise<Blob> {
  const bytes = new Uint8Array(await jpeg.arrayBuffer());
  // TIFF little-endian header, IFD0 with one entry: Orientation (0x0112) SHORT 1 = orientation.
  const tiff = [
    0x49,
    0x49,
    0x2a,
    0x00,
    0x08,
    0x00,
    0x00,
    0x00,
    0x01,
    0x00,
    0x12,
    0x01,
    0x03,
    0x00,
    0x01,
    0x00,
    0x00,
    0x00,
    orientation,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
  ];
  const marker = [...new TextEncoder().encode('GPSLatitude 48.8584N')];
  const payload = [...new TextEncoder().encode('Exif\0\0'), ...tiff, ...marker];
  const len = payload.length + 2;
  const app1 = [0xff, 0xe1, len >> 8, len & 0xff, ...payload];
  const out = new Uint8Array(bytes.length + app1.length);
  out.set(bytes.subarray(0, 2), 0);
  out.set(app1, 2);
  out.set(bytes.subarray(2), 2 + app1.length);
  return new Blob([out], { type: 'image/jpeg' });
}

function contains(haystack: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

describe('compressImage', () => {
  it('brings a large document photo under 1 MB while keeping the longest side ≥ 1600 px', async () => {
    const input = await noisyJpeg(3000, 2000);
    expect(input.size).to.be.greaterThan(1_000_000);
    const out = await compressImage(input, 'document');
    expect(out.outputBytes).to.be.at.most(1_000_000);
    expect(Math.max(out.width, out.height)).to.be.at.least(1600);
    expect(out.blob.type).to.equal('image/jpeg');
    expect(out.inputBytes).to.equal(input.size);
    expect(out.ms).to.be.greaterThan(0);
  });

  it('keeps selfies ≤ 400 KB and liveness frames ≤ 80 KB', async () => {
    const selfie = await compressImage(await noisyJpeg(1920, 1080), 'selfie');
    expect(selfie.outputBytes).to.be.at.most(400_000);
    expect(Math.max(selfie.width, selfie.height)).to.be.at.most(COMPRESSION_PROFILES.selfie.maxWidthOrHeight);
    const frame = await compressImage(await noisyJpeg(1280, 720), 'liveness');
    expect(frame.outputBytes).to.be.at.most(80_000);
  });

  it('applies the EXIF orientation and drops all metadata', async () => {
    const input = await withExif(await noisyJpeg(600, 400, 0.9), 6);
    const inputBytes = new Uint8Array(await input.arrayBuffer());
    expect(contains(inputBytes, 'Exif')).to.equal(true);
    const out = await compressImage(input, 'selfie');
    const bytes = new Uint8Array(await out.blob.arrayBuffer());
    expect(contains(bytes, 'Exif')).to.equal(false);
    expect(contains(bytes, 'GPSLatitude')).to.equal(false);
    // orientation 6 = rotate 90° clockwise: landscape pixels become a portrait image
    expect(out.width).to.equal(400);
    expect(out.height).to.equal(600);
  });
});
