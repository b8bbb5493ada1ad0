/**
 * Synthetic specimen documents drawn with Skia (@napi-rs/canvas): an ID-1 card (front, TD1 back, US driving
 * licence back with PDF417) and a TD3 passport data page. They look enough like real documents for the on-device
 * checks (edges, aspect, face on the card, MRZ, barcode) and are plainly marked SPECIMEN.
 */
import { fileURLToPath } from 'node:url';
import { type Canvas, createCanvas, loadImage as decodeImage, type SKRSContext2D } from '@napi-rs/canvas';
import bwipjs from 'bwip-js';
import { aamvaJurisdiction, aamvaPayload } from './aamva.js';
import { FONT, registerSpecimenFonts } from './fonts.js';
import { type Holder, resolveHolder, STATE_NAMES } from './holder.js';
import { td1Mrz, td3Mrz } from './mrz.js';
import { DEFAULT_SEED, randomFor, type SeededRandom } from './random.js';
import { canvasToRgba, loadImage, type RgbaImage, rgbaToCanvas } from './rgba-image.js';

/** ID-1 (ISO/IEC 7810) card size in millimetres. */
export const ID1_MM = { width: 85.6, height: 53.98, cornerRadius: 3.18 } as const;
/** TD3 (passport) data page size in millimetres. */
export const TD3_MM = { width: 125, height: 88, cornerRadius: 3.18 } as const;

export const ASTRONAUT_PATH = fileURLToPath(new URL('../../fixtures/astronaut.png', import.meta.url));

export type PortraitOption = RgbaImage | 'astronaut';

export interface Palette {
  /** Background gradient, light to slightly darker. */
  light: string;
  dark: string;
  /** Guilloche lines and header text. */
  ink: string;
  accent: string;
}

const PALETTES: readonly Palette[] = [
  { light: '#e4eef8', dark: '#b9d0ea', ink: '#1d3f6e', accent: '#2f6db3' },
  { light: '#e7f4e6', dark: '#bfdcbc', ink: '#1f4d2b', accent: '#3a8a4c' },
  { light: '#f6eedd', dark: '#e3cfa5', ink: '#5b3b12', accent: '#a86b1d' },
  { light: '#efe7f6', dark: '#d2c0e6', ink: '#3d2466', accent: '#7048a8' },
  { light: '#f8e6ea', dark: '#e7bcc6', ink: '#6a1f33', accent: '#b03a58' },
];

let astronaut: Promise<RgbaImage> | undefined;

export async function resolvePortrait(portrait: PortraitOption | undefined): Promise<Canvas> {
  if (portrait === undefined || portrait === 'astronaut') {
    astronaut ??= loadImage(ASTRONAUT_PATH);
    const img = await astronaut;
    // Head and shoulders of the astronaut photo (512×512), cut to the 3:4 of an ID photo.
    const crop = createCanvas(240, 320);
    crop.getContext('2d').drawImage(rgbaToCanvas(img), 105, 0, 240, 320, 0, 0, 240, 320);
    return crop;
  }
  return rgbaToCanvas(portrait);
}

/** Draws `source` to fill the box, cropping the excess (like CSS object-fit: cover). */
export function drawCover(
  ctx: SKRSContext2D,
  source: Canvas,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  const scale = Math.max(w / source.width, h / source.height);
  const sw = w / scale;
  const sh = h / scale;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, (source.width - sw) / 2, (source.height - sh) / 2, sw, sh, x, y, w, h);
}

export function roundedRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** Background gradient, guilloche waves and a rosette, clipped to rounded corners (outside stays transparent). */
function drawSecurityBackground(
  ctx: SKRSContext2D,
  w: number,
  h: number,
  radius: number,
  palette: Palette,
  rng: SeededRandom,
): void {
  roundedRect(ctx, 0, 0, w, h, radius);
  ctx.clip();
  const gradient = ctx.createLinearGradient(0, 0, w, h);
  gradient.addColorStop(0, palette.light);
  gradient.addColorStop(1, palette.dark);
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, w, h);

  ctx.strokeStyle = palette.accent;
  ctx.globalAlpha = 0.13;
  ctx.lineWidth = Math.max(1, w / 900);
  const waves = 26;
  const phase = rng.range(0, Math.PI * 2);
  const freq = rng.range(2.5, 4.5);
  for (let i = 0; i < waves; i++) {
    const y0 = (h * (i + 0.5)) / waves;
    ctx.beginPath();
    for (let x = 0; x <= w; x += w / 200) {
      const y = y0 + (h / 30) * Math.sin((x / w) * Math.PI * 2 * freq + phase + i * 0.35);
      if (x === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }
  // Rosette (hypotrochoid) on the right, as printed on most cards.
  const cx = w * rng.range(0.7, 0.8);
  const cy = h * rng.range(0.45, 0.6);
  const R = h * 0.3;
  const r = R * rng.range(0.28, 0.4);
  const d = R * 0.55;
  ctx.beginPath();
  for (let t = 0; t <= Math.PI * 2 * 12; t += 0.02) {
    const x = cx + (R - r) * Math.cos(t) + d * Math.cos(((R - r) / r) * t);
    const y = cy + (R - r) * Math.sin(t) - d * Math.sin(((R - r) / r) * t);
    if (t === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
}

function drawSpecimenMark(ctx: SKRSContext2D, w: number, h: number, u: number): void {
  ctx.save();
  ctx.translate(w * 0.62, h * 0.5);
  ctx.rotate(-0.35);
  ctx.globalAlpha = 0.1;
  ctx.fillStyle = '#b00020';
  ctx.font = `${12 * u}px ${FONT.bold}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText('SPECIMEN', 0, 0);
  ctx.restore();
}

function drawHeader(
  ctx: SKRSContext2D,
  state: string,
  title: string,
  u: number,
  x: number,
  palette: Palette,
) {
  ctx.fillStyle = palette.ink;
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.font = `${3.2 * u}px ${FONT.bold}`;
  ctx.fillText(STATE_NAMES[state] ?? state, x, 6.2 * u);
  ctx.font = `${2.3 * u}px ${FONT.sans}`;
  ctx.fillText(title, x, 9.6 * u);
}

/** A label in small caps above a value in bold, the way card fields are printed. */
export function drawField(
  ctx: SKRSContext2D,
  label: string,
  value: string,
  x: number,
  y: number,
  u: number,
  maxWidth: number,
  palette: Palette,
): void {
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = palette.ink;
  ctx.font = `${1.5 * u}px ${FONT.sans}`;
  ctx.fillText(label, x, y, maxWidth);
  ctx.fillStyle = '#111111';
  ctx.font = `${2.6 * u}px ${FONT.bold}`;
  ctx.fillText(value, x, y + 3 * u, maxWidth);
}

/** A seeded scribble above a line, standing in for a handwritten signature. */
export function drawSignature(
  ctx: SKRSContext2D,
  x: number,
  y: number,
  w: number,
  u: number,
  rng: SeededRandom,
) {
  ctx.strokeStyle = '#555555';
  ctx.lineWidth = Math.max(1, u * 0.12);
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x + w, y);
  ctx.stroke();
  ctx.strokeStyle = '#1a237e';
  ctx.lineWidth = Math.max(1.5, u * 0.28);
  ctx.beginPath();
  let px = x + w * 0.08;
  let py = y - u * 1.5;
  ctx.moveTo(px, py);
  const strokes = rng.int(5, 8);
  for (let i = 0; i < strokes; i++) {
    const nx = px + (w * 0.8) / strokes;
    const ny = y - u * rng.range(0.5, 3.5);
    ctx.bezierCurveTo(
      px + rng.range(-2, 6) * u,
      py - rng.range(1, 4) * u,
      nx - rng.range(0, 4) * u,
      ny + 3 * u,
      nx,
      ny,
    );
    px = nx;
    py = ny;
  }
  ctx.stroke();
  ctx.fillStyle = '#555555';
  ctx.font = `${1.3 * u}px ${FONT.sans}`;
  ctx.fillText('Signature / Signature', x, y + 1.8 * u);
}

/** White band with the MRZ lines in a monospace at the ICAO pitch of 2.54 mm per character. */
export function drawMrzBand(
  ctx: SKRSContext2D,
  lines: readonly string[],
  w: number,
  h: number,
  u: number,
  bandMm: number,
) {
  const top = h - bandMm * u;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, top, w, h - top);
  // ICAO pitch, narrowed only when the lines would not fit (2 × 36 characters on an ID-1 card).
  const pitch = Math.min(2.54 * u, (w - 6 * u) / lines[0]!.length);
  ctx.fillStyle = '#000000';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  // DejaVu Sans Mono advances 0.602 em per glyph; size the font so glyphs land on the ICAO pitch.
  ctx.font = `${pitch / 0.602}px ${FONT.mono}`;
  const lineWidth = lines[0]!.length * pitch;
  const x = (w - lineWidth) / 2;
  const linePitch = 4.6 * u;
  const firstBaseline = top + (bandMm * u - linePitch * (lines.length - 1)) / 2 + pitch * 0.55;
  lines.forEach((line, i) => {
    ctx.fillText(line, x, firstBaseline + i * linePitch);
  });
}

/** DD MM YYYY as printed in the visual zone. */
export function printedDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d} ${m} ${y}`;
}

function paletteFor(seed: number): Palette {
  return randomFor(seed, 'palette').pick(PALETTES);
}

export function newCard(width: number, mm: { width: number; height: number }) {
  registerSpecimenFonts();
  const height = Math.round((width * mm.height) / mm.width);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  return { canvas, ctx, width, height, u: width / mm.width };
}

export interface CardOptions {
  seed?: number;
  holder?: Partial<Holder>;
  /** Width in pixels; the height follows from the document's aspect. */
  width?: number;
  /**
   * MRZ lines to print instead of the holder's own (another layout such as TD2 or the French ID card, a broken
   * check digit…). Passport page and TD1 back only.
   */
  mrzLines?: readonly string[];
}

/** Front of an ID-1 identity card: header, portrait on the left, labelled fields, signature. */
export async function idCardFront(
  opts: CardOptions & { portrait?: PortraitOption } = {},
): Promise<RgbaImage> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const holder = resolveHolder(seed, opts.holder);
  const palette = paletteFor(seed);
  const rng = randomFor(seed, 'id-front');
  const { canvas, ctx, width: w, height: h, u } = newCard(opts.width ?? 1012, ID1_MM);
  drawSecurityBackground(ctx, w, h, ID1_MM.cornerRadius * u, palette, rng);
  drawSpecimenMark(ctx, w, h, u);
  drawHeader(ctx, holder.issuingState, 'IDENTITY CARD / CARTE D’IDENTITÉ', u, 4 * u, palette);

  const portrait = await resolvePortrait(opts.portrait);
  const px = 4 * u;
  const py = 13 * u;
  const pw = 25 * u;
  const ph = 32 * u;
  drawCover(ctx, portrait, px, py, pw, ph);
  ctx.strokeStyle = palette.ink;
  ctx.lineWidth = Math.max(1, u * 0.15);
  ctx.strokeRect(px, py, pw, ph);

  const fx = 33 * u;
  const colW = w - fx - 4 * u;
  drawField(ctx, 'Surname / Nom', holder.surname, fx, 15 * u, u, colW, palette);
  drawField(ctx, 'Given names / Prénoms', holder.givenNames, fx, 22 * u, u, colW, palette);
  drawField(ctx, 'Sex / Sexe', holder.sex, fx, 29 * u, u, 12 * u, palette);
  drawField(ctx, 'Nationality', holder.nationality, fx + 13 * u, 29 * u, u, 14 * u, palette);
  drawField(ctx, 'Date of birth', printedDate(holder.birthDate), fx + 28 * u, 29 * u, u, 22 * u, palette);
  drawField(ctx, 'Document No.', holder.documentNumber, fx, 36 * u, u, 24 * u, palette);
  drawField(ctx, 'Date of expiry', printedDate(holder.expiryDate), fx + 28 * u, 36 * u, u, 22 * u, palette);
  drawSignature(ctx, fx, 49 * u, 30 * u, u, rng);
  return canvasToRgba(canvas);
}

/** Back of an ID-1 card: a TD1 MRZ (3 × 30) or, for a US driving licence, a PDF417 with AAMVA data. */
export async function idCardBack(
  opts: CardOptions & {
    kind?: 'td1' | 'us-dl';
    /** PDF417 text to print on a `us-dl` back instead of the holder's version-10 AAMVA record. */
    barcodePayload?: string;
  } = {},
): Promise<RgbaImage> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const kind = opts.kind ?? 'td1';
  const holder = resolveHolder(
    seed,
    kind === 'us-dl' ? { issuingState: 'USA', nationality: 'USA', ...opts.holder } : opts.holder,
  );
  const palette = paletteFor(seed);
  const rng = randomFor(seed, `id-back-${kind}`);
  const { canvas, ctx, width: w, height: h, u } = newCard(opts.width ?? 1012, ID1_MM);
  drawSecurityBackground(ctx, w, h, ID1_MM.cornerRadius * u, palette, rng);

  if (kind === 'td1') {
    const fx = 5 * u;
    const expiryYear = Number(holder.expiryDate.slice(0, 4));
    drawField(ctx, 'Address / Adresse', holder.address ?? '', fx, 6 * u, u, w - 10 * u, palette);
    drawField(
      ctx,
      'Date of issue',
      printedDate(`${expiryYear - 10}${holder.expiryDate.slice(4)}`),
      fx,
      14 * u,
      u,
      30 * u,
      palette,
    );
    drawField(ctx, 'Authority / Autorité', 'SPECIMEN AUTHORITY', fx + 32 * u, 14 * u, u, 40 * u, palette);
    drawField(ctx, 'Height', `${rng.int(155, 195)} cm`, fx, 22 * u, u, 20 * u, palette);
    drawSpecimenMark(ctx, w, h * 0.6, u);
    drawMrzBand(ctx, opts.mrzLines ?? td1Mrz(holder), w, h, u, 20);
    return canvasToRgba(canvas);
  }

  const { state } = aamvaJurisdiction(holder);
  ctx.fillStyle = palette.ink;
  ctx.font = `${2.2 * u}px ${FONT.bold}`;
  ctx.fillText(`${state} DRIVER LICENSE · SPECIMEN`, 4 * u, 5.5 * u);
  ctx.font = `${1.6 * u}px ${FONT.sans}`;
  ctx.fillText('Class D · Restrictions NONE · Endorsements NONE', 4 * u, 8.5 * u);
  // columns / eclevel are BWIPP symbol options that bwip-js passes through; its typings do not list them.
  const symbol: bwipjs.RenderOptions & { columns: number; eclevel: number } = {
    bcid: 'pdf417',
    text: opts.barcodePayload ?? aamvaPayload(holder),
    // Fewer columns than the default give the tall, wide symbol of a real licence back.
    columns: 10,
    eclevel: 4,
    scale: 3,
    paddingwidth: 0,
    paddingheight: 0,
    backgroundcolor: 'FFFFFF',
  };
  const png = await (bwipjs.toBuffer(symbol) as Promise<Buffer>);
  const barcode = await decodeImage(png);
  // Quiet zone: a white panel around the symbol, then the symbol scaled without smoothing (crisp modules).
  const bw = w - 10 * u;
  const bh = Math.min(h - 18 * u, (bw * barcode.height) / barcode.width);
  const bx = 5 * u;
  const by = 12 * u;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(bx - 1.5 * u, by - 1.5 * u, bw + 3 * u, bh + 3 * u);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(barcode, bx, by, bw, bh);
  ctx.imageSmoothingEnabled = true;
  ctx.fillStyle = palette.ink;
  ctx.font = `${1.4 * u}px ${FONT.sans}`;
  ctx.fillText('If found, return to any Department of Motor Vehicles office.', 4 * u, h - 3 * u);
  return canvasToRgba(canvas);
}

/** TD3 passport data page (125 × 88 mm): header, portrait, fields, 2 × 44 MRZ. */
export async function passportPage(
  opts: CardOptions & { portrait?: PortraitOption } = {},
): Promise<RgbaImage> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const holder = resolveHolder(seed, opts.holder);
  const palette = paletteFor(seed + 7);
  const rng = randomFor(seed, 'passport');
  const { canvas, ctx, width: w, height: h, u } = newCard(opts.width ?? 1250, TD3_MM);
  drawSecurityBackground(ctx, w, h, TD3_MM.cornerRadius * u, palette, rng);
  drawSpecimenMark(ctx, w, h * 0.75, u * 1.2);
  drawHeader(ctx, holder.issuingState, 'PASSPORT / PASSEPORT', u, 6 * u, palette);

  const portrait = await resolvePortrait(opts.portrait);
  const px = 6 * u;
  const py = 16 * u;
  const pw = 32 * u;
  const ph = 40 * u;
  drawCover(ctx, portrait, px, py, pw, ph);
  ctx.strokeStyle = palette.ink;
  ctx.lineWidth = Math.max(1, u * 0.15);
  ctx.strokeRect(px, py, pw, ph);

  const fx = 44 * u;
  const colW = w - fx - 6 * u;
  drawField(ctx, 'Type', 'P', fx, 17 * u, u, 10 * u, palette);
  drawField(ctx, 'Code', holder.issuingState, fx + 14 * u, 17 * u, u, 14 * u, palette);
  drawField(ctx, 'Passport No.', holder.documentNumber, fx + 34 * u, 17 * u, u, 40 * u, palette);
  drawField(ctx, 'Surname / Nom', holder.surname, fx, 24 * u, u, colW, palette);
  drawField(ctx, 'Given names / Prénoms', holder.givenNames, fx, 31 * u, u, colW, palette);
  drawField(ctx, 'Nationality', holder.nationality, fx, 38 * u, u, 20 * u, palette);
  drawField(ctx, 'Date of birth', printedDate(holder.birthDate), fx + 24 * u, 38 * u, u, 26 * u, palette);
  drawField(ctx, 'Sex', holder.sex, fx + 54 * u, 38 * u, u, 10 * u, palette);
  drawField(ctx, 'Date of expiry', printedDate(holder.expiryDate), fx, 45 * u, u, 26 * u, palette);
  drawField(ctx, 'Authority', 'SPECIMEN AUTHORITY', fx + 30 * u, 45 * u, u, 40 * u, palette);
  drawSignature(ctx, fx, 64 * u, 40 * u, u, rng);
  drawMrzBand(ctx, opts.mrzLines ?? td3Mrz(holder), w, h, u, 18);
  return canvasToRgba(canvas);
}
