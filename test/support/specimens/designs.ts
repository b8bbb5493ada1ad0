/**
 * Document designs drawn at random from a seed, for the accuracy set: the on-device checks must find the card that is
 * really in the picture whatever its design, so the designs vary what real documents vary — base colour (pastel,
 * white, saturated, dark, two-tone), security patterns, coloured header and footer bands, a printed frame line or a
 * plain white margin just inside the edge, the portrait's side and border, chip, hologram, magnetic stripe, MRZ on a
 * white band or on the pattern, barcode-dominated licence backs, passport data pages with the opposite page (and the
 * cover) attached, and visa stickers on a passport page. Every document says SPECIMEN; names and numbers are invented.
 */
import { type Canvas, createCanvas, loadImage as decodeImage, type SKRSContext2D } from '@napi-rs/canvas';
import bwipjs from 'bwip-js';
import { aamvaPayload } from './aamva.js';
import {
  drawCover,
  drawSignature,
  ID1_MM,
  printedDate,
  resolvePortrait,
  roundedRect,
  TD3_MM,
} from './documents.js';
import { FONT, registerSpecimenFonts } from './fonts.js';
import { resolveHolder, STATE_NAMES } from './holder.js';
import { td1Mrz, td3Mrz } from './mrz.js';
import { randomFor, type SeededRandom } from './random.js';
import { canvasToRgba, type RgbaImage } from './rgba-image.js';

/** What kind of document a design is. */
export type DocumentDesign =
  /** Front of an ID-1 card (85.6 × 54 mm): portrait and fields. */
  | 'id1-front'
  /** Back of an ID-1 card: TD1 MRZ, maybe a magnetic stripe or a 1-D barcode. */
  | 'id1-back'
  /** Back of a driving licence dominated by its PDF417. */
  | 'dl-back'
  /** Front of an ID-2-sized card (105 × 74 mm, the aspect of a passport page) with a 2-line MRZ, like older IDs. */
  | 'id2-front'
  /** A passport data page (125 × 88 mm) on its own. */
  | 'passport'
  /** A passport data page with the opposite page above it (and sometimes the cover around both). */
  | 'passport-booklet'
  /** A visa sticker on a passport page. */
  | 'visa';

export const DOCUMENT_DESIGNS: readonly DocumentDesign[] = [
  'id1-front',
  'id1-back',
  'dl-back',
  'id2-front',
  'passport',
  'passport-booklet',
  'visa',
];

export interface DesignedDocument {
  image: RgbaImage;
  design: DocumentDesign;
  /** The shape the widget asks for when capturing it (the user picked "ID card" or "passport"). */
  kind: 'id1' | 'passport';
  side: 'front' | 'back';
  /** The part of `image` that is the document to find (a booklet's data page), image pixels; whole image when absent. */
  documentRect?: { x: number; y: number; width: number; height: number };
  /** The drawn variant in words (base, bands, frame, …), for labels and for reading a miss. */
  features: string[];
}

type Rgb = [number, number, number];

const css = ([r, g, b]: Rgb, a = 1) => `rgba(${Math.round(r)},${Math.round(g)},${Math.round(b)},${a})`;

/** HSL (h in degrees, s and l 0..1) to RGB 0..255. */
function hsl(h: number, s: number, l: number): Rgb {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [f(0) * 255, f(8) * 255, f(4) * 255];
}

function luma([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

interface DesignPalette {
  /** Card base, light end and dark end of its gradient. */
  base: [Rgb, Rgb];
  /** Band and header colour. */
  band: Rgb;
  /** Pattern lines. */
  pattern: Rgb;
  /** Labels. */
  ink: Rgb;
  /** Values: dark on light cards, light on dark ones. */
  text: Rgb;
  baseKind: 'pastel' | 'white' | 'saturated' | 'dark' | 'two-tone';
}

function drawPalette(rng: SeededRandom): DesignPalette {
  const hue = rng.range(0, 360);
  const roll = rng.next();
  const baseKind: DesignPalette['baseKind'] =
    roll < 0.5
      ? 'pastel'
      : roll < 0.62
        ? 'white'
        : roll < 0.78
          ? 'saturated'
          : roll < 0.88
            ? 'dark'
            : 'two-tone';
  const bandHue = (hue + rng.pick([0, 0, 20, 180, 200, 330])) % 360;
  let base: [Rgb, Rgb];
  switch (baseKind) {
    case 'pastel':
      base = [
        hsl(hue, rng.range(0.3, 0.7), rng.range(0.86, 0.94)),
        hsl(hue + rng.range(-30, 30), 0.45, rng.range(0.74, 0.84)),
      ];
      break;
    case 'white':
      base = [hsl(hue, 0.1, 0.97), hsl(hue, 0.15, rng.range(0.88, 0.93))];
      break;
    case 'saturated':
      base = [hsl(hue, rng.range(0.5, 0.8), rng.range(0.55, 0.7)), hsl(hue + 20, 0.6, rng.range(0.42, 0.55))];
      break;
    case 'dark':
      base = [hsl(hue, rng.range(0.3, 0.6), rng.range(0.2, 0.3)), hsl(hue, 0.4, rng.range(0.1, 0.18))];
      break;
    case 'two-tone':
      base = [hsl(hue, 0.5, 0.88), hsl((hue + 150) % 360, 0.5, 0.7)];
      break;
  }
  const dark = luma(base[0]) < 110;
  return {
    base,
    band: hsl(bandHue, rng.range(0.5, 0.85), rng.range(0.25, 0.45)),
    pattern: dark ? hsl(hue, 0.5, 0.6) : hsl(hue, 0.6, 0.35),
    ink: dark ? hsl(hue, 0.3, 0.8) : hsl(bandHue, 0.6, 0.28),
    text: dark ? [240, 240, 235] : [20, 20, 24],
    baseKind,
  };
}

interface Canvas2d {
  canvas: Canvas;
  ctx: SKRSContext2D;
  w: number;
  h: number;
  /** Pixels per millimetre. */
  u: number;
}

function newDocument(widthPx: number, mm: { width: number; height: number }): Canvas2d {
  registerSpecimenFonts();
  const h = Math.round((widthPx * mm.height) / mm.width);
  const canvas = createCanvas(widthPx, h);
  return { canvas, ctx: canvas.getContext('2d'), w: widthPx, h, u: widthPx / mm.width };
}

/** Base fill and security pattern inside `x, y, w, h` (already clipped by the caller). */
function drawBase(c: Canvas2d, p: DesignPalette, rng: SeededRandom, features: string[]): void {
  const { ctx, w, h, u } = c;
  if (p.baseKind === 'two-tone') {
    const split = w * rng.range(0.35, 0.65);
    ctx.fillStyle = css(p.base[0]);
    ctx.fillRect(0, 0, split, h);
    ctx.fillStyle = css(p.base[1]);
    ctx.fillRect(split, 0, w - split, h);
  } else {
    const g = ctx.createLinearGradient(0, 0, w * rng.range(0.5, 1), h);
    g.addColorStop(0, css(p.base[0]));
    g.addColorStop(1, css(p.base[1]));
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, w, h);
  }
  features.push(p.baseKind);
  const pattern = rng.pick(['guilloche', 'hatch', 'dots', 'rings', 'waves', 'none'] as const);
  features.push(pattern);
  ctx.save();
  ctx.strokeStyle = css(p.pattern);
  ctx.fillStyle = css(p.pattern);
  ctx.globalAlpha = rng.range(0.1, 0.28);
  ctx.lineWidth = Math.max(1, u * rng.range(0.08, 0.2));
  switch (pattern) {
    case 'guilloche': {
      const phase = rng.range(0, 6.28);
      const freq = rng.range(2, 6);
      for (let i = 0; i < 30; i++) {
        ctx.beginPath();
        for (let x = 0; x <= w; x += w / 160) {
          const y = (h * (i + 0.5)) / 30 + (h / 25) * Math.sin((x / w) * 6.28 * freq + phase + i * 0.4);
          if (x === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.stroke();
      }
      break;
    }
    case 'hatch': {
      const step = u * rng.range(1.2, 3);
      const slope = rng.pick([-1, 1]);
      for (let x = -h; x < w + h; x += step) {
        ctx.beginPath();
        ctx.moveTo(x, 0);
        ctx.lineTo(x + slope * h, h);
        ctx.stroke();
      }
      break;
    }
    case 'dots': {
      const step = u * rng.range(1, 2.2);
      for (let y = step / 2; y < h; y += step)
        for (let x = step / 2; x < w; x += step) ctx.fillRect(x, y, u * 0.35, u * 0.35);
      break;
    }
    case 'rings': {
      const cx = w * rng.range(0.3, 0.8);
      const cy = h * rng.range(0.3, 0.8);
      for (let r = u * 2; r < w; r += u * rng.range(1.5, 3)) {
        ctx.beginPath();
        ctx.arc(cx, cy, r, 0, 6.283);
        ctx.stroke();
      }
      break;
    }
    case 'waves': {
      // Broad soft colour waves (the "landscape" prints of newer cards).
      ctx.globalAlpha = rng.range(0.15, 0.3);
      for (let k = 0; k < 3; k++) {
        ctx.fillStyle = css(hsl(rng.range(0, 360), 0.5, 0.6));
        ctx.beginPath();
        const y0 = h * rng.range(0.3, 0.9);
        ctx.moveTo(0, h);
        for (let x = 0; x <= w; x += w / 40)
          ctx.lineTo(x, y0 + (h / 8) * Math.sin((x / w) * 6.28 * rng.range(0.5, 1.2) + k));
        ctx.lineTo(w, h);
        ctx.closePath();
        ctx.fill();
      }
      break;
    }
    case 'none':
      break;
  }
  ctx.restore();
  // A rosette on many cards.
  if (rng.next() < 0.5) {
    ctx.save();
    ctx.strokeStyle = css(p.pattern);
    ctx.globalAlpha = 0.2;
    const cx = w * rng.range(0.55, 0.85);
    const cy = h * rng.range(0.4, 0.7);
    const R = h * 0.28;
    const r = R * rng.range(0.25, 0.4);
    ctx.beginPath();
    for (let t = 0; t <= Math.PI * 24; t += 0.03) {
      const x = cx + (R - r) * Math.cos(t) + R * 0.5 * Math.cos(((R - r) / r) * t);
      const y = cy + (R - r) * Math.sin(t) - R * 0.5 * Math.sin(((R - r) / r) * t);
      if (t === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
    ctx.restore();
  }
}

function drawText(
  ctx: SKRSContext2D,
  text: string,
  x: number,
  y: number,
  size: number,
  color: Rgb,
  font: string = FONT.sans,
  maxWidth?: number,
): void {
  ctx.fillStyle = css(color);
  ctx.font = `${size}px ${font}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(text, x, y, maxWidth);
}

/** Labelled fields in a column; `rules` draws a thin line under each (a strong inner edge on some designs). */
function drawFields(
  c: Canvas2d,
  p: DesignPalette,
  fields: Array<[string, string]>,
  x: number,
  y: number,
  colWidth: number,
  pitchMm: number,
  rules: boolean,
): void {
  const { ctx, u } = c;
  fields.forEach(([label, value], i) => {
    const top = y + i * pitchMm * u;
    drawText(ctx, label, x, top, 1.4 * u, p.ink, FONT.sans, colWidth);
    drawText(ctx, value, x, top + 2.8 * u, 2.4 * u, p.text, FONT.bold, colWidth);
    if (rules) {
      ctx.strokeStyle = css(p.ink, 0.6);
      ctx.lineWidth = Math.max(1, u * 0.15);
      ctx.beginPath();
      ctx.moveTo(x, top + 3.6 * u);
      ctx.lineTo(x + colWidth, top + 3.6 * u);
      ctx.stroke();
    }
  });
}

/** Portrait in a box, greyscale on some designs, with or without a border. */
async function drawPortrait(
  c: Canvas2d,
  p: DesignPalette,
  rng: SeededRandom,
  x: number,
  y: number,
  w: number,
  h: number,
  features: string[],
): Promise<void> {
  const { ctx, u } = c;
  const portrait = await resolvePortrait('astronaut');
  ctx.save();
  if (rng.next() < 0.4) {
    ctx.filter = 'grayscale(1)';
    features.push('grey-portrait');
  }
  drawCover(ctx, portrait, x, y, w, h);
  ctx.restore();
  if (rng.next() < 0.5) {
    ctx.strokeStyle = css(p.ink);
    ctx.lineWidth = Math.max(1, u * rng.range(0.15, 0.5));
    ctx.strokeRect(x, y, w, h);
  }
}

function drawHologram(c: Canvas2d, rng: SeededRandom, x: number, y: number, r: number): void {
  const { ctx } = c;
  ctx.save();
  ctx.globalAlpha = rng.range(0.25, 0.45);
  const g = ctx.createLinearGradient(x - r, y - r, x + r, y + r);
  for (let k = 0; k <= 6; k++) g.addColorStop(k / 6, css(hsl(k * 60, 0.8, 0.7)));
  ctx.fillStyle = g;
  ctx.beginPath();
  if (rng.next() < 0.5) ctx.arc(x, y, r, 0, 6.283);
  else ctx.rect(x - r, y - r * 0.7, 2 * r, 1.4 * r);
  ctx.fill();
  ctx.restore();
}

function drawChip(c: Canvas2d, x: number, y: number): void {
  const { ctx, u } = c;
  const w = 11 * u;
  const h = 9 * u;
  const g = ctx.createLinearGradient(x, y, x + w, y + h);
  g.addColorStop(0, '#e8cf7a');
  g.addColorStop(1, '#b08d34');
  ctx.fillStyle = g;
  roundedRect(ctx, x, y, w, h, 1.5 * u);
  ctx.fill();
  ctx.strokeStyle = '#7a5f1c';
  ctx.lineWidth = Math.max(1, u * 0.2);
  ctx.beginPath();
  ctx.moveTo(x + w / 3, y);
  ctx.lineTo(x + w / 3, y + h);
  ctx.moveTo(x + (2 * w) / 3, y);
  ctx.lineTo(x + (2 * w) / 3, y + h);
  ctx.moveTo(x, y + h / 2);
  ctx.lineTo(x + w, y + h / 2);
  ctx.stroke();
}

/** MRZ lines at the ICAO pitch, on a white band (`band`) or straight on the design. */
function drawMrz(
  c: Canvas2d,
  lines: readonly string[],
  bandMm: number,
  band: boolean,
  p: DesignPalette,
): void {
  const { ctx, w, h, u } = c;
  const top = h - bandMm * u;
  if (band) {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, top, w, h - top);
  }
  const pitch = 2.54 * u;
  ctx.fillStyle = band || luma(p.base[1]) > 110 ? '#000000' : '#f4f4f4';
  ctx.font = `${pitch / 0.602}px ${FONT.mono}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  const lineWidth = lines[0]!.length * pitch;
  const x = (w - lineWidth) / 2;
  const linePitch = 4.6 * u;
  const first = top + (bandMm * u - linePitch * (lines.length - 1)) / 2 + pitch * 0.55;
  for (const [i, line] of lines.entries()) ctx.fillText(line, x, first + i * linePitch);
}

function clipCard(c: Canvas2d, radiusMm: number): void {
  roundedRect(c.ctx, 0, 0, c.w, c.h, radiusMm * c.u);
  c.ctx.clip();
}

/**
 * Bands, frame line and white margin: the inner edges that must not be mistaken for the card's outline. Returns the
 * top of the area left for content (below a header band), in pixels.
 */
function drawInnerEdges(
  c: Canvas2d,
  p: DesignPalette,
  rng: SeededRandom,
  title: string,
  features: string[],
): number {
  const { ctx, w, h, u } = c;
  let contentTop = 3 * u;
  if (rng.next() < 0.5) {
    const bandH = h * rng.range(0.12, 0.24);
    ctx.fillStyle = css(p.band);
    ctx.fillRect(0, 0, w, bandH);
    drawText(
      ctx,
      title,
      4 * u,
      bandH * 0.62,
      Math.min(3.2 * u, bandH * 0.45),
      [250, 250, 250],
      FONT.bold,
      w - 8 * u,
    );
    contentTop = bandH + 2 * u;
    features.push('header-band');
  } else {
    drawText(ctx, title, 4 * u, 6 * u, 3 * u, p.ink, FONT.bold, w - 8 * u);
    contentTop = 9 * u;
  }
  if (rng.next() < 0.2) {
    const bandH = h * rng.range(0.06, 0.12);
    ctx.fillStyle = css(p.band, rng.range(0.7, 1));
    ctx.fillRect(0, h - bandH, w, bandH);
    features.push('footer-band');
  }
  if (rng.next() < 0.25) {
    const inset = rng.range(1.2, 3) * u;
    ctx.strokeStyle = css(p.ink, rng.range(0.6, 1));
    ctx.lineWidth = Math.max(1, rng.range(0.25, 0.7) * u);
    roundedRect(ctx, inset, inset, w - 2 * inset, h - 2 * inset, rng.range(0, 3) * u);
    ctx.stroke();
    features.push('frame-line');
  }
  return contentTop;
}

/** A plain white margin all round, inside the card edge: the design's own rectangle becomes the strongest edge. */
function whiteMargin(
  c: Canvas2d,
  rng: SeededRandom,
  features: string[],
): { x: number; y: number; w: number; h: number } {
  if (rng.next() >= 0.2) return { x: 0, y: 0, w: c.w, h: c.h };
  const m = rng.range(1.2, 2.5) * c.u;
  c.ctx.fillStyle = '#fbfbf8';
  c.ctx.fillRect(0, 0, c.w, c.h);
  features.push('white-margin');
  return { x: m, y: m, w: c.w - 2 * m, h: c.h - 2 * m };
}

/** Draws the design into a sub-rectangle (white margin) by translating the context and shrinking the canvas view. */
async function within(
  c: Canvas2d,
  area: { x: number; y: number; w: number; h: number },
  draw: (inner: Canvas2d) => Promise<void>,
): Promise<void> {
  c.ctx.save();
  c.ctx.translate(area.x, area.y);
  c.ctx.beginPath();
  c.ctx.rect(0, 0, area.w, area.h);
  c.ctx.clip();
  await draw({ ...c, w: area.w, h: area.h });
  c.ctx.restore();
}

function specimenMark(c: Canvas2d, rng: SeededRandom): void {
  const { ctx, w, h, u } = c;
  ctx.save();
  ctx.translate(w * rng.range(0.5, 0.7), h * rng.range(0.4, 0.6));
  ctx.rotate(-rng.range(0.2, 0.5));
  ctx.globalAlpha = 0.12;
  ctx.fillStyle = '#b00020';
  ctx.font = `${11 * u}px ${FONT.bold}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText('SPECIMEN', 0, 0);
  ctx.restore();
}

async function id1Front(seed: number, widthPx: number): Promise<DesignedDocument> {
  const rng = randomFor(seed, 'design-id1-front');
  const holder = resolveHolder(seed, undefined);
  const p = drawPalette(rng);
  const features: string[] = [];
  const c = newDocument(widthPx, ID1_MM);
  const radius = rng.next() < 0.85 ? ID1_MM.cornerRadius : rng.range(1, 4);
  clipCard(c, radius);
  const area = whiteMargin(c, rng, features);
  await within(c, area, async (d) => {
    drawBase(d, p, rng, features);
    const top = drawInnerEdges(
      d,
      p,
      rng,
      `${STATE_NAMES[holder.issuingState] ?? holder.issuingState} · IDENTITY CARD`,
      features,
    );
    const { u } = d;
    const photoW = rng.range(22, 28) * u;
    const photoH = Math.min(photoW * 1.28, d.h - top - 4 * u);
    const left = rng.next() < 0.8;
    const px = left ? 4 * u : d.w - photoW - 4 * u;
    await drawPortrait(d, p, rng, px, top, photoW * (photoH / (photoW * 1.28)), photoH, features);
    const fx = left ? px + photoW + 4 * u : 4 * u;
    const colW = d.w - photoW - 12 * u;
    drawFields(
      d,
      p,
      [
        ['Surname / Nom', holder.surname],
        ['Given names / Prénoms', holder.givenNames],
        ['Date of birth', printedDate(holder.birthDate)],
        ['Document No.', holder.documentNumber],
        ['Date of expiry', printedDate(holder.expiryDate)],
      ].slice(0, Math.max(3, Math.floor((d.h - top) / (6.5 * u)))) as Array<[string, string]>,
      fx,
      top + 2 * u,
      colW,
      rng.range(5.8, 7),
      rng.next() < 0.3,
    );
    if (rng.next() < 0.3) {
      drawChip(d, left ? d.w - 16 * u : 4 * u, d.h * 0.45);
      features.push('chip');
    }
    if (rng.next() < 0.4) {
      drawHologram(d, rng, px + photoW, top + photoH * 0.8, rng.range(4, 8) * u);
      features.push('hologram');
    }
    if (rng.next() < 0.3) {
      d.ctx.save();
      d.ctx.globalAlpha = 0.25;
      await drawPortrait(d, p, rng, d.w - 16 * u, d.h - 20 * u, 10 * u, 13 * u, []);
      d.ctx.restore();
      features.push('ghost-portrait');
    }
    drawSignature(d.ctx, fx, d.h - 4 * u, Math.min(30 * u, colW), u, rng);
    specimenMark(d, rng);
  });
  return { image: canvasToRgba(c.canvas), design: 'id1-front', kind: 'id1', side: 'front', features };
}

async function id1Back(seed: number, widthPx: number): Promise<DesignedDocument> {
  const rng = randomFor(seed, 'design-id1-back');
  const holder = resolveHolder(seed, undefined);
  const p = drawPalette(rng);
  const features: string[] = [];
  const c = newDocument(widthPx, ID1_MM);
  clipCard(c, rng.next() < 0.85 ? ID1_MM.cornerRadius : rng.range(1, 4));
  const area = whiteMargin(c, rng, features);
  await within(c, area, async (d) => {
    drawBase(d, p, rng, features);
    const { u } = d;
    let top = 4 * u;
    if (rng.next() < 0.25) {
      // A magnetic stripe: a dark band right across the card, the strongest inner edge there is.
      d.ctx.fillStyle = '#1b1b1d';
      d.ctx.fillRect(0, 4 * u, d.w, 10 * u);
      top = 17 * u;
      features.push('magstripe');
    } else if (rng.next() < 0.3) {
      d.ctx.fillStyle = css(p.band);
      d.ctx.fillRect(0, 0, d.w, d.h * rng.range(0.1, 0.18));
      top = d.h * 0.2 + 2 * u;
      features.push('header-band');
    }
    drawFields(
      d,
      p,
      [
        ['Address / Adresse', holder.address ?? ''],
        ['Authority', 'SPECIMEN AUTHORITY'],
      ],
      5 * u,
      top + 2 * u,
      d.w - 10 * u,
      6,
      rng.next() < 0.3,
    );
    if (rng.next() < 0.3) {
      // A 1-D barcode above the MRZ.
      const bx = d.w * rng.range(0.5, 0.6);
      const by = d.h - 30 * u;
      for (let k = 0; k < 60; k++) {
        if (rng.next() < 0.5) continue;
        d.ctx.fillStyle = '#111';
        d.ctx.fillRect(bx + k * 0.5 * u, by, 0.35 * u, 7 * u);
      }
      features.push('barcode-1d');
    }
    const band = rng.next() < 0.65;
    drawMrz(d, td1Mrz(holder), rng.range(17, 21), band, p);
    features.push(band ? 'mrz-band' : 'mrz-on-pattern');
  });
  return { image: canvasToRgba(c.canvas), design: 'id1-back', kind: 'id1', side: 'back', features };
}

async function pdf417(text: string, columns: number): Promise<Canvas> {
  const symbol: bwipjs.RenderOptions & { columns: number; eclevel: number } = {
    bcid: 'pdf417',
    text,
    columns,
    eclevel: 4,
    scale: 3,
    paddingwidth: 0,
    paddingheight: 0,
    backgroundcolor: 'FFFFFF',
  };
  const png = await (bwipjs.toBuffer(symbol) as Promise<Buffer>);
  const image = await decodeImage(png);
  const canvas = createCanvas(image.width, image.height);
  canvas.getContext('2d').drawImage(image, 0, 0);
  return canvas;
}

async function dlBack(seed: number, widthPx: number): Promise<DesignedDocument> {
  const rng = randomFor(seed, 'design-dl-back');
  const holder = resolveHolder(seed, { issuingState: 'USA', nationality: 'USA' });
  const p = drawPalette(rng);
  const features: string[] = [];
  const c = newDocument(widthPx, ID1_MM);
  clipCard(c, ID1_MM.cornerRadius);
  drawBase(c, p, rng, features);
  const { ctx, w, h, u } = c;
  drawText(ctx, 'DRIVER LICENSE · SPECIMEN', 4 * u, 5 * u, 2 * u, p.ink, FONT.bold);
  const barcode = await pdf417(aamvaPayload(holder), rng.int(8, 12));
  // The symbol covers 55–85 % of the card: the quiet-zone panel is a near-card-sized inner rectangle.
  const cover = rng.range(0.55, 0.85);
  const bw = w * Math.sqrt(cover) * 1.05;
  const bh = Math.min(h - 14 * u, (bw * barcode.height) / barcode.width);
  const bx = (w - bw) / 2;
  const by = rng.next() < 0.5 ? 8 * u : h - bh - 6 * u;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(bx - 1.5 * u, by - 1.5 * u, bw + 3 * u, bh + 3 * u);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(barcode, bx, by, bw, bh);
  ctx.imageSmoothingEnabled = true;
  features.push(`pdf417-${Math.round(cover * 100)}%`);
  if (rng.next() < 0.3) {
    ctx.fillStyle = '#1b1b1d';
    ctx.fillRect(0, by < h / 2 ? h - 6 * u : 0, w, 5 * u);
    features.push('magstripe');
  }
  return { image: canvasToRgba(c.canvas), design: 'dl-back', kind: 'id1', side: 'back', features };
}

const ID2_MM = { width: 105, height: 74 } as const;

async function id2Front(seed: number, widthPx: number): Promise<DesignedDocument> {
  const rng = randomFor(seed, 'design-id2-front');
  const holder = resolveHolder(seed, undefined);
  const p = drawPalette(rng);
  const features: string[] = [];
  const c = newDocument(widthPx, ID2_MM);
  clipCard(c, rng.range(2, 4));
  drawBase(c, p, rng, features);
  const top = drawInnerEdges(
    c,
    p,
    rng,
    `${STATE_NAMES[holder.issuingState] ?? holder.issuingState} · IDENTITY CARD`,
    features,
  );
  const { u } = c;
  await drawPortrait(c, p, rng, 5 * u, top, 26 * u, 33 * u, features);
  drawFields(
    c,
    p,
    [
      ['Surname', holder.surname],
      ['Given names', holder.givenNames],
      ['Date of birth', printedDate(holder.birthDate)],
    ],
    36 * u,
    top + 2 * u,
    c.w - 42 * u,
    7,
    rng.next() < 0.3,
  );
  // Two 36-character lines (the TD2 layout); the check digits are not the point here, the look of the band is.
  const lines = td1Mrz(holder)
    .map((l) => `${l}<<<<<<`.slice(0, 36))
    .slice(0, 2);
  const band = rng.next() < 0.7;
  drawMrz(c, lines, 16, band, p);
  features.push(band ? 'mrz-band' : 'mrz-on-pattern');
  specimenMark(c, rng);
  return { image: canvasToRgba(c.canvas), design: 'id2-front', kind: 'id1', side: 'front', features };
}

/** A TD3 data page into `c` (already clipped). */
async function drawDataPage(c: Canvas2d, seed: number, rng: SeededRandom, features: string[]): Promise<void> {
  const holder = resolveHolder(seed, undefined);
  const p = drawPalette(rng);
  drawBase(c, p, rng, features);
  const top = drawInnerEdges(
    c,
    p,
    rng,
    `${STATE_NAMES[holder.issuingState] ?? holder.issuingState} · PASSPORT`,
    features,
  );
  const { u } = c;
  const photoH = Math.min(40 * u, c.h - top - 22 * u);
  await drawPortrait(c, p, rng, 6 * u, top, photoH * 0.78, photoH, features);
  drawFields(
    c,
    p,
    [
      ['Type / Code / Passport No.', `P  ${holder.issuingState}  ${holder.documentNumber}`],
      ['Surname / Nom', holder.surname],
      ['Given names / Prénoms', holder.givenNames],
      ['Nationality / Date of birth', `${holder.nationality}  ${printedDate(holder.birthDate)}`],
      ['Date of expiry', printedDate(holder.expiryDate)],
    ],
    44 * u,
    top + 2 * u,
    c.w - 50 * u,
    6.6,
    rng.next() < 0.3,
  );
  if (rng.next() < 0.4) {
    drawHologram(c, rng, 6 * u + photoH * 0.78, top + photoH * 0.8, rng.range(5, 9) * u);
    features.push('hologram');
  }
  const band = rng.next() < 0.5;
  drawMrz(c, td3Mrz(holder), 17, band, p);
  features.push(band ? 'mrz-band' : 'mrz-on-pattern');
  specimenMark(c, rng);
}

async function passport(seed: number, widthPx: number): Promise<DesignedDocument> {
  const rng = randomFor(seed, 'design-passport');
  const features: string[] = [];
  const c = newDocument(widthPx, TD3_MM);
  clipCard(c, rng.range(2, 4));
  await drawDataPage(c, seed, rng, features);
  return { image: canvasToRgba(c.canvas), design: 'passport', kind: 'passport', side: 'front', features };
}

/** A visa page of a passport: light, a fine pattern, page number, maybe a stamp. */
function drawVisaPage(
  c: Canvas2d,
  rng: SeededRandom,
  x: number,
  y: number,
  w: number,
  h: number,
  features: string[],
): void {
  const { ctx, u } = c;
  const hue = rng.range(0, 360);
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  const g = ctx.createLinearGradient(x, y, x + w, y + h);
  g.addColorStop(0, css(hsl(hue, 0.35, 0.92)));
  g.addColorStop(1, css(hsl(hue + 30, 0.35, 0.85)));
  ctx.fillStyle = g;
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = css(hsl(hue, 0.5, 0.5));
  ctx.globalAlpha = 0.15;
  ctx.lineWidth = Math.max(1, 0.12 * u);
  for (let i = 0; i < 24; i++) {
    ctx.beginPath();
    for (let t = 0; t <= w; t += w / 120) {
      const yy = y + (h * (i + 0.5)) / 24 + (h / 30) * Math.sin((t / w) * 18 + i);
      if (t === 0) ctx.moveTo(x + t, yy);
      else ctx.lineTo(x + t, yy);
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  drawText(ctx, 'VISAS', x + w / 2 - 6 * u, y + 8 * u, 3 * u, hsl(hue, 0.5, 0.35), FONT.bold);
  if (rng.next() < 0.5) {
    // An entry stamp.
    ctx.strokeStyle = css(hsl(rng.range(0, 360), 0.6, 0.35), 0.7);
    ctx.lineWidth = 0.5 * u;
    const sx = x + w * rng.range(0.2, 0.7);
    const sy = y + h * rng.range(0.3, 0.7);
    ctx.beginPath();
    ctx.arc(sx, sy, 11 * u, 0, 6.283);
    ctx.stroke();
    drawText(ctx, 'ENTRY 2026', sx - 8 * u, sy + u, 2.2 * u, hsl(0, 0.6, 0.35), FONT.bold);
    features.push('stamp');
  }
  ctx.restore();
}

/**
 * The data page below its opposite page, as a booklet opened flat: a fold with a soft shadow between them, and on
 * some the cover's edge showing a few millimetres round both pages.
 */
async function passportBooklet(seed: number, widthPx: number): Promise<DesignedDocument> {
  const rng = randomFor(seed, 'design-booklet');
  const features: string[] = [];
  const u = widthPx / TD3_MM.width;
  const cover = rng.next() < 0.5 ? rng.range(1.5, 4) * u : 0;
  const pageW = widthPx;
  const pageH = Math.round(TD3_MM.height * u);
  const canvas = createCanvas(Math.round(pageW + 2 * cover), Math.round(2 * pageH + 2 * cover));
  const ctx = canvas.getContext('2d');
  registerSpecimenFonts();
  if (cover > 0) {
    const coverColour = rng.pick([
      [110, 20, 30],
      [20, 35, 80],
      [25, 60, 40],
      [30, 30, 32],
    ] as Rgb[]);
    ctx.fillStyle = css(coverColour);
    roundedRect(ctx, 0, 0, canvas.width, canvas.height, 4 * u);
    ctx.fill();
    features.push('cover');
  }
  const page = { canvas, ctx, w: pageW, h: pageH, u } satisfies Canvas2d;
  drawVisaPage(page, rng, cover, cover, pageW, pageH, features);
  ctx.save();
  ctx.translate(cover, cover + pageH);
  roundedRect(ctx, 0, 0, pageW, pageH, rng.range(0, 2) * u);
  ctx.clip();
  await drawDataPage(page, seed, rng, features);
  ctx.restore();
  // The fold: a darker line with a soft shadow on both sides.
  const foldY = cover + pageH;
  const shadow = ctx.createLinearGradient(0, foldY - 4 * u, 0, foldY + 4 * u);
  shadow.addColorStop(0, 'rgba(0,0,0,0)');
  shadow.addColorStop(0.5, `rgba(0,0,0,${rng.range(0.15, 0.4)})`);
  shadow.addColorStop(1, 'rgba(0,0,0,0)');
  ctx.fillStyle = shadow;
  ctx.fillRect(cover, foldY - 4 * u, pageW, 8 * u);
  return {
    image: canvasToRgba(canvas),
    design: 'passport-booklet',
    kind: 'passport',
    side: 'front',
    documentRect: { x: cover, y: cover + pageH, width: pageW, height: pageH },
    features,
  };
}

/** A visa sticker (MRV-A, 120 × 80 mm) on a passport visa page, a few millimetres inside the page's edge. */
async function visa(seed: number, widthPx: number): Promise<DesignedDocument> {
  const rng = randomFor(seed, 'design-visa');
  const holder = resolveHolder(seed, undefined);
  const features: string[] = [];
  const c = newDocument(widthPx, TD3_MM);
  const { ctx, u } = c;
  clipCard(c, rng.range(1, 3));
  drawVisaPage(c, rng, 0, 0, c.w, c.h, features);
  const sx = rng.range(1.5, 3) * u;
  const sy = rng.range(2, 5) * u;
  const sw = 120 * u - (sx - 2.5 * u) * 2;
  const sh = 80 * u;
  ctx.save();
  ctx.translate(sx, sy);
  const sticker = { ...c, w: Math.min(sw, c.w - 2 * sx), h: Math.min(sh, c.h - sy - 2 * u) };
  roundedRect(ctx, 0, 0, sticker.w, sticker.h, 1.5 * u);
  ctx.clip();
  const p = drawPalette(rng);
  drawBase(sticker, p, rng, features);
  drawText(ctx, 'VISA', 5 * u, 9 * u, 6 * u, p.band, FONT.bold);
  await drawPortrait(sticker, p, rng, 5 * u, 14 * u, 28 * u, 34 * u, features);
  drawFields(
    sticker,
    p,
    [
      ['Surname', holder.surname],
      ['Given names', holder.givenNames],
      ['Valid until', printedDate(holder.expiryDate)],
    ],
    38 * u,
    16 * u,
    sticker.w - 44 * u,
    7,
    false,
  );
  const lines = td3Mrz(holder).map((l, i) => (i === 0 ? `V${l.slice(1)}` : l));
  drawMrz(sticker, lines, 15, rng.next() < 0.5, p);
  ctx.restore();
  features.push('sticker');
  return { image: canvasToRgba(c.canvas), design: 'visa', kind: 'passport', side: 'front', features };
}

/**
 * One document of `design`, drawn from `seed` (same seed, same pixels). `widthPx` is the document's width (for a
 * booklet, its pages'); defaults are ID-1 1012 px, passport page 1250 px.
 *
 * @example
 * const doc = await designedDocument(7, 'passport-booklet');
 * const { image, quad } = renderScene(doc.image, { documentRect: doc.documentRect, background: 'paper' });
 */
export async function designedDocument(
  seed: number,
  design: DocumentDesign,
  widthPx?: number,
): Promise<DesignedDocument> {
  switch (design) {
    case 'id1-front':
      return id1Front(seed, widthPx ?? 1012);
    case 'id1-back':
      return id1Back(seed, widthPx ?? 1012);
    case 'dl-back':
      return dlBack(seed, widthPx ?? 1012);
    case 'id2-front':
      return id2Front(seed, widthPx ?? 1100);
    case 'passport':
      return passport(seed, widthPx ?? 1250);
    case 'passport-booklet':
      return passportBooklet(seed, widthPx ?? 1000);
    case 'visa':
      return visa(seed, widthPx ?? 1250);
  }
}
