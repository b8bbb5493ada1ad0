/** RGBA pixel buffers (the shape of ImageData) and their conversion to and from files and Skia canvases. */
import { readFile } from 'node:fs/promises';
import { type Canvas, createCanvas, ImageData, loadImage as loadSkiaImage } from '@napi-rs/canvas';

/** Same shape as ImageData: row-major RGBA, 4 bytes per pixel. */
export interface RgbaImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export function createRgbaImage(width: number, height: number): RgbaImage {
  return { data: new Uint8ClampedArray(width * height * 4), width, height };
}

/** Copies a canvas's pixels out into a plain RgbaImage. */
export function canvasToRgba(canvas: Canvas): RgbaImage {
  const ctx = canvas.getContext('2d');
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { data: new Uint8ClampedArray(img.data), width: img.width, height: img.height };
}

export function rgbaToCanvas(img: RgbaImage): Canvas {
  const canvas = createCanvas(img.width, img.height);
  canvas
    .getContext('2d')
    .putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  return canvas;
}

/** Decodes a PNG or JPEG file into RGBA pixels. */
export async function loadImage(path: string): Promise<RgbaImage> {
  const image = await loadSkiaImage(await readFile(path));
  const canvas = createCanvas(image.width, image.height);
  canvas.getContext('2d').drawImage(image, 0, 0);
  return canvasToRgba(canvas);
}

export function encodePng(img: RgbaImage): Buffer {
  return rgbaToCanvas(img).encodeSync('png');
}

/**
 * JPEG bytes. `quality` is 0..1 like HTMLCanvasElement.toBlob (default 0.92); values above 1 are read as percent
 * (0..100), the convention of most encoders.
 */
export function encodeJpeg(img: RgbaImage, quality = 0.92): Buffer {
  const percent = quality > 1 ? quality : quality * 100;
  return rgbaToCanvas(img).encodeSync('jpeg', Math.round(Math.min(100, Math.max(1, percent))));
}
