/** Shared fixtures of the analysis tests: specimen documents (generated once per process) and quad comparison. */
import {
  idCardBack,
  idCardFront,
  type Point,
  passportPage,
  type RgbaImage,
  renderScene,
  type SceneOptions,
} from '../../support/specimens/index.js';

export interface SpecimenDocs {
  front: RgbaImage;
  back: RgbaImage;
  td1: RgbaImage;
  passport: RgbaImage;
}

let docs: Promise<SpecimenDocs> | undefined;

/** The four specimen documents; generating them takes a few hundred ms, so each test process does it once. */
export function specimenDocs(): Promise<SpecimenDocs> {
  docs ??= (async () => ({
    front: await idCardFront(),
    back: await idCardBack({ kind: 'us-dl' }),
    td1: await idCardBack({ kind: 'td1' }),
    passport: await passportPage(),
  }))();
  return docs;
}

/** A frame with nothing but background: the document is placed far outside it. */
export function emptyScene(doc: RgbaImage, opts: SceneOptions = {}): RgbaImage {
  return renderScene(doc, { ...opts, centerX: 10, centerY: 10 }).image;
}

/**
 * Largest corner distance between a found quad and the truth, over the four cyclic corner correspondences (a
 * card rotated near 45° may legitimately start its TL corner one step round).
 */
export function quadError(found: readonly Point[], truth: readonly Point[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let s = 0; s < 4; s++) {
    let worst = 0;
    for (let i = 0; i < 4; i++) {
      const a = found[i]!;
      const b = truth[(i + s) % 4]!;
      worst = Math.max(worst, Math.hypot(a.x - b.x, a.y - b.y));
    }
    best = Math.min(best, worst);
  }
  return best;
}

/** Diagonal of a quad, the scale corner errors are judged against. */
export function quadDiagonal(q: readonly Point[]): number {
  return Math.hypot(q[2]!.x - q[0]!.x, q[2]!.y - q[0]!.y);
}
