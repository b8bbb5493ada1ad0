/**
 * Text-line geometry for the document readers: grey conversion, adaptive binarization, connected components and
 * their chaining into lines of characters, and resampling of a (slightly rotated) line into an upright strip.
 *
 * Written here rather than taken from a library: the image libraries on npm that run without native downloads
 * (sharp, jimp) resize and threshold globally but find no text lines, and OpenCV's wasm build is 8 MB for the few
 * dozen lines below. The chaining is the classic one of document-analysis systems (Tesseract's own textord,
 * PassportEye's MRZ finder): characters are components of similar height, side by side, on one baseline.
 */

/** Grey image, one byte per pixel (0 = black), row-major. */
export interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
}

/** An RGBA frame (`FrameLike` of `src/analysis/types.ts`; `ImageData` has this shape). */
export interface RgbaFrame {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** Luma (BT.601) of an RGBA frame; transparent pixels read as white, the paper colour. */
export function toGrey(frame: RgbaFrame): Grey {
  const { data, width, height } = frame;
  const out = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    const a = data[p + 3]!;
    const y = (data[p]! * 77 + data[p + 1]! * 150 + data[p + 2]! * 29) >> 8;
    out[i] = a === 255 ? y : (y * a + 255 * (255 - a)) / 255;
  }
  return { data: out, width, height };
}

/** Rotates a grey image by 180° (a document photographed upside down). */
export function rotateGrey180(g: Grey): Grey {
  const out = new Uint8Array(g.data.length);
  for (let i = 0, j = g.data.length - 1; i < g.data.length; i++, j--) out[i] = g.data[j]!;
  return { data: out, width: g.width, height: g.height };
}

/** Resized copy: box average when shrinking (no aliasing of thin strokes), bilinear when growing. */
export function resizeGrey(g: Grey, width: number, height: number): Grey {
  const out = new Uint8Array(width * height);
  const sx = g.width / width;
  const sy = g.height / height;
  if (sx >= 1 && sy >= 1) {
    for (let y = 0; y < height; y++) {
      const y0 = Math.floor(y * sy);
      const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
      for (let x = 0; x < width; x++) {
        const x0 = Math.floor(x * sx);
        const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
        let sum = 0;
        for (let yy = y0; yy < y1; yy++) {
          const row = yy * g.width;
          for (let xx = x0; xx < x1; xx++) sum += g.data[row + xx]!;
        }
        out[y * width + x] = sum / ((y1 - y0) * (x1 - x0));
      }
    }
    return { data: out, width, height };
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out[y * width + x] = sampleBilinear(g, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5);
    }
  }
  return { data: out, width, height };
}

/** Bilinear sample at continuous pixel coordinates (pixel centres at integers); outside reads as white. */
export function sampleBilinear(g: Grey, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) =>
    xx < 0 || yy < 0 || xx >= g.width || yy >= g.height ? 255 : g.data[yy * g.width + xx]!;
  const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
  const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Ink map (1 = ink): a pixel darker than the mean of its `window`×`window` neighbourhood by more than `offset`
 * grey levels plus `relative` × that mean. Local, so a shadow across the card or a tinted background does not
 * swallow the print; the offset keeps flat paper noise out.
 */
export function binarizeAdaptive(g: Grey, window: number, offset = 10, relative = 0.08): Uint8Array {
  const { width: w, height: h, data } = g;
  const integral = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let rowSum = 0;
    for (let x = 0; x < w; x++) {
      rowSum += data[y * w + x]!;
      integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1]! + rowSum;
    }
  }
  const r = Math.max(1, Math.floor(window / 2));
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const ya = Math.max(0, y - r);
    const yb = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const xa = Math.max(0, x - r);
      const xb = Math.min(w, x + r + 1);
      const sum =
        integral[yb * (w + 1) + xb]! -
        integral[ya * (w + 1) + xb]! -
        integral[yb * (w + 1) + xa]! +
        integral[ya * (w + 1) + xa]!;
      const mean = sum / ((yb - ya) * (xb - xa));
      out[y * w + x] = data[y * w + x]! < mean - offset - relative * mean ? 1 : 0;
    }
  }
  return out;
}

/** A connected component of ink (8-connected); box edges are exclusive on the right and bottom. */
export interface Component {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
}

export const widthOf = (c: { x0: number; x1: number }) => c.x1 - c.x0;
export const heightOf = (c: { y0: number; y1: number }) => c.y1 - c.y0;
const centreY = (c: Component) => (c.y0 + c.y1) / 2;
const centreX = (c: Component) => (c.x0 + c.x1) / 2;

/** Connected components of a binary image, scanned with an explicit stack (no recursion limit). */
export function connectedComponents(ink: Uint8Array, width: number, height: number): Component[] {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const out: Component[] = [];
  let next = 0;
  for (let start = 0; start < ink.length; start++) {
    if (!ink[start] || labels[start]) continue;
    next++;
    let top = 0;
    stack[top++] = start;
    labels[start] = next;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    let area = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width;
      const y = (p - x) / width;
      area++;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (ink[q] && !labels[q]) {
            labels[q] = next;
            stack[top++] = q;
          }
        }
      }
    }
    out.push({ x0, y0, x1, y1, area });
  }
  return out;
}

/** A line of character components, left to right, with its centre line `y = intercept + slope × x`. */
export interface TextLine {
  components: Component[];
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** Height of the line's full-height characters (the upper quartile of component heights). */
  charHeight: number;
  slope: number;
  intercept: number;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export interface LineOptions {
  /** Components shorter or taller than this are not characters (pixels). */
  minHeight: number;
  maxHeight: number;
  /** Fewest components a line keeps. */
  minComponents: number;
}

/**
 * Chains character-like components into lines: each component links to its nearest right neighbour that sits on
 * the same centre line (within 0.45 of the taller height), is no more than 1.3 heights away, and is between 0.35×
 * and 2.8× its height (a `<` filler is about 0.6 of a capital; touching characters make wide components, so
 * width is not limited). Chains are cut where the link is not mutual.
 */
export function findTextLines(components: Component[], options: LineOptions): TextLine[] {
  const chars = components
    .filter((c) => {
      const h = heightOf(c);
      return h >= options.minHeight && h <= options.maxHeight && c.area >= 0.1 * h * Math.min(h, widthOf(c));
    })
    .sort((a, b) => a.x0 - b.x0);
  const right = new Int32Array(chars.length).fill(-1);
  const rightCost = new Float64Array(chars.length).fill(Infinity);
  const left = new Int32Array(chars.length).fill(-1);
  const leftCost = new Float64Array(chars.length).fill(Infinity);
  for (let i = 0; i < chars.length; i++) {
    const a = chars[i]!;
    const ha = heightOf(a);
    for (let j = i + 1; j < chars.length; j++) {
      const b = chars[j]!;
      const hb = heightOf(b);
      const h = Math.max(ha, hb);
      const gap = b.x0 - a.x1;
      if (gap > 1.3 * h) {
        if (b.x0 - a.x1 > 3 * options.maxHeight) break;
        continue;
      }
      if (gap < -0.3 * Math.min(ha, hb)) continue;
      const ratio = hb / ha;
      if (ratio < 0.35 || ratio > 2.8) continue;
      const dy = Math.abs(centreY(b) - centreY(a));
      if (dy > 0.45 * h) continue;
      const cost = Math.max(0, gap) + 2 * dy;
      if (cost < rightCost[i]!) {
        rightCost[i] = cost;
        right[i] = j;
      }
      if (cost < leftCost[j]!) {
        leftCost[j] = cost;
        left[j] = i;
      }
    }
  }
  const lines: TextLine[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (left[i] !== -1 && right[left[i]!] === i) continue; // not the start of a chain
    const members: Component[] = [];
    let k = i;
    while (k !== -1) {
      members.push(chars[k]!);
      const n = right[k]!;
      k = n !== -1 && left[n] === k ? n : -1;
    }
    if (members.length >= options.minComponents) lines.push(lineOf(members));
  }
  return lines;
}

/** The line through `members`: least-squares centre line of the full-height components. */
export function lineOf(members: Component[]): TextLine {
  const charHeight = quantile(members.map(heightOf), 0.75);
  const tall = members.filter((c) => heightOf(c) >= 0.7 * charHeight);
  const fit = tall.length >= 2 ? tall : members;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (const c of fit) {
    const x = centreX(c);
    const y = centreY(c);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const n = fit.length;
  const den = n * sxx - sx * sx;
  const slope = den > 1e-9 ? (n * sxy - sx * sy) / den : 0;
  const intercept = (sy - slope * sx) / n;
  return {
    components: members,
    x0: Math.min(...members.map((c) => c.x0)),
    x1: Math.max(...members.map((c) => c.x1)),
    y0: Math.min(...members.map((c) => c.y0)),
    y1: Math.max(...members.map((c) => c.y1)),
    charHeight,
    slope,
    intercept,
  };
}

/**
 * The band around a line as an upright grey strip: the image is sampled along the line's direction from
 * `(fromX, centre line)` for `length` source pixels, `above`/`below` source pixels around the centre line, at
 * `scale` output pixels per source pixel.
 */
export function sampleStrip(
  g: Grey,
  line: { slope: number; intercept: number },
  fromX: number,
  length: number,
  above: number,
  below: number,
  scale: number,
): Grey {
  const angle = Math.atan(line.slope);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const ox = fromX;
  const oy = line.intercept + line.slope * fromX;
  const width = Math.max(1, Math.round(length * scale));
  const height = Math.max(1, Math.round((above + below) * scale));
  const out = new Uint8Array(width * height);
  for (let v = 0; v < height; v++) {
    const dv = (v + 0.5) / scale - above;
    for (let u = 0; u < width; u++) {
      const du = (u + 0.5) / scale;
      out[v * width + u] = sampleBilinear(g, ox + du * cos - dv * sin, oy + du * sin + dv * cos);
    }
  }
  return { data: out, width, height };
}

/** Otsu's threshold of a grey image: the level that best splits it into ink and paper. */
export function otsuThreshold(g: Grey): number {
  const hist = new Float64Array(256);
  for (const v of g.data) hist[v]!++;
  const total = g.data.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * hist[i]!;
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let threshold = 128;
  for (let t = 0; t < 256; t++) {
    wB += hist[t]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t]!;
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}
