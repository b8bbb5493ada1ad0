/** assessDocumentFrame: every on-device document check on one frame, as reason codes plus a best-frame score. */
import {
  detectEdges,
  detectEdgesWithFaint,
  EDGE_THRESHOLD,
  FOCAL_PER_LONG_SIDE,
  findDocumentQuadInLuma,
} from './document-quad.js';
import { type DocumentThresholds, documentThresholds } from './document-thresholds.js';
import { glareStats } from './glare.js';
import { exposureStats, lumaHistogram, toColorImage } from './luma.js';
import {
  maxCornerAngleDeviation,
  maxCornerDisplacement,
  perspectiveTiltDeg,
  pointInQuad,
  polygonArea,
  rectifiedAspect,
  sideLengths,
} from './quad-geometry.js';
import { directionalSharpness, textureSharpness } from './sharpness.js';
import { rectifyQuadLuma } from './rectify.js';
import type {
  CaptureProfile,
  DocumentIssue,
  DocumentKind,
  FaceObservation,
  FrameLike,
  Point,
  Quad,
} from './types.js';

export interface DocumentAssessment {
  ok: boolean;
  /** Ordered by what the user should fix first (see DOCUMENT_ISSUE_PRIORITY). */
  issues: DocumentIssue[];
  /** 0..1, higher is better: for choosing the best of several passing frames. 0 when no document. */
  score: number;
  /** Card corners in frame pixels (TL, TR, BR, BL); absent when no document was found. */
  quad?: Quad;
  metrics: {
    /** Focus measure (textureSharpness) of the card rectified to 320 px wide (directionalSharpness of the whole frame when no card). */
    sharpness: number;
    /** Share of near-saturated pixels on the card. */
    glareRatio: number;
    /** Share of the card washed out solid (GlareStats.solidArea). */
    glareSolidArea?: number;
    /** Mean luma 0..255 of the card (of the whole frame when no card). */
    meanLuma: number;
    darkRatio: number;
    brightRatio: number;
    /** Luma 2 % of the card is at or below (the darkest print). */
    lowLuma?: number;
    /** Luma 2 % of the card is at or above (its whitest paper or print): what exposure is judged by. */
    highLuma?: number;
    /** Card area / frame area. */
    fillRatio?: number;
    /** Long / short side of the card with perspective undone (`rectifiedAspect`). */
    aspect?: number;
    /** Estimated angle between card and image plane, degrees. */
    tiltDeg?: number;
    /** Largest deviation of a corner angle from 90°, degrees (keystone skews corners; rotation does not). */
    cornerAngleDeg?: number;
    /** Largest corner displacement from `previousQuad`, frame pixels. */
    motionPx?: number;
  };
}

export interface DocumentAssessOptions {
  /** Shape to look for (default 'any'). */
  kind?: DocumentKind;
  /** Threshold profile (default 'phone'). */
  profile?: CaptureProfile;
  /** Which side is being captured; the face-on-document check applies to the front only. */
  side?: 'front' | 'back';
  /** Front of a photo ID: require one of `faces` to lie on the card (NO_FACE_ON_DOCUMENT). */
  requireFaceOnDocument?: boolean;
  /** Faces found in this frame by the face detector; without them the face-on-document check is skipped. */
  faces?: FaceObservation[];
  /** The quad of the previous analysed frame, for MOVING. */
  previousQuad?: Quad;
  /** Resolution the still will be taken at (when it differs from the analysed frame), for RESOLUTION_TOO_LOW. */
  captureResolution?: { width: number; height: number };
  /**
   * Result of the barcode reader for this frame (back of US/CA licences, decoded by the capture worker with
   * zxing): false adds BARCODE_UNREADABLE; undefined skips the check.
   */
  barcodeReadable?: boolean;
  thresholds?: Partial<DocumentThresholds>;
}

/** Fix-first order: light first (nothing else can be judged in the dark), then placement, then stillness, then quality. */
export const DOCUMENT_ISSUE_PRIORITY: readonly DocumentIssue[] = [
  'TOO_DARK',
  'TOO_BRIGHT',
  'NO_DOCUMENT',
  'DOCUMENT_CUT_OFF',
  'DOCUMENT_TOO_CLOSE',
  'DOCUMENT_TOO_FAR',
  'TILTED',
  'MOVING',
  'BLURRY',
  'GLARE',
  'NO_FACE_ON_DOCUMENT',
  'BARCODE_UNREADABLE',
  'RESOLUTION_TOO_LOW',
];

/**
 * Long / short sides of the document formats, whichever kind was asked for: a user who picks "ID card" may hold a
 * 105 × 74 mm card (a passport page's shape), and the shape only says whether the outline is a document's.
 */
const FORMATS = [125 / 88, 120 / 80, 85.6 / 53.98];
/** Width of the rectified card on which sharpness, glare and exposure are measured. */
const RECTIFIED_WIDTH = 320;
/** Working width of the quad search, and of its second try when nothing was found. */
const SEARCH_WIDTH = 320;
const FALLBACK_SEARCH_WIDTH = 160;
/**
 * Share of edge pixels at the working width above which the coarser second search is skipped: a frame that busy is
 * not one the blur hid a card in, and it is the costliest to search twice (an empty colourful surface: 22 % edges,
 * 9 ms instead of 17 in Node). On the CI accuracy set the cap changes one verdict in 392 frames.
 */
const FALLBACK_MAX_EDGE_SHARE = 0.15;
/**
 * A second search on fainter edges (gradient 10 instead of 14 grey levels per pixel) when the first found nothing or
 * only something small (under a fifth of the frame: what DOCUMENT_TOO_FAR would say): a light card on a light surface
 * shows its outline at steps of 4–8 grey levels, which the first search loses to noise. Its result replaces the
 * first only when it is clearly larger (the card round a portrait found alone). Skipped on frames busy with edges
 * (as the coarser retry is), where faint edges are texture. Thresholds 6–11 tried on the bench draw: 101–102 of 105
 * clean frames accepted (99 without the second search), DOCUMENT_TOO_FAR with its reason 31–32 of 35 (30 without).
 * The colour gradient is computed once and thinned at both thresholds (detectEdgesWithFaint): the same verdicts on
 * the CI set, the bench draw and the real specimens (0 of 1,218 frames differ), a frame that takes the second search
 * ~13 % faster (CI set, per-frame minima of 5 runs in Node), 2.5 % over the whole set.
 */
const FAINT_SEARCH_BELOW_FILL = 0.2;
const FAINT_MAX_EDGE_SHARE = 0.15;
const FAINT_EDGE_THRESHOLD = 10;
/** Mean luma of a frame without a card below which it is TOO_DARK: a dark desk (~60) is not, a covered lens is. */
const FRAME_MIN_MEAN_LUMA = 42;

function sortIssues(issues: Set<DocumentIssue>): DocumentIssue[] {
  return DOCUMENT_ISSUE_PRIORITY.filter((i) => issues.has(i));
}

/** Verdicts from other detectors on the card (face on the card, barcode): no pixels of their own. */
export type DocumentVerdicts = Pick<
  DocumentAssessOptions,
  'side' | 'requireFaceOnDocument' | 'faces' | 'barcodeReadable'
>;

function cardVerdicts(quad: Quad, opts: DocumentVerdicts): DocumentIssue[] {
  const out: DocumentIssue[] = [];
  if (opts.requireFaceOnDocument && opts.faces && opts.side !== 'back') {
    const onCard = opts.faces.some((f) =>
      pointInQuad({ x: f.box.x + f.box.width / 2, y: f.box.y + f.box.height / 2 } satisfies Point, quad),
    );
    if (!onCard) out.push('NO_FACE_ON_DOCUMENT');
  }
  if (opts.barcodeReadable === false) out.push('BARCODE_UNREADABLE');
  return out;
}

/**
 * Folds the verdicts of the face detector and the barcode reader on the same frame into an assessment, without
 * analysing the pixels again: the result equals `assessDocumentFrame` run with those options. Without a quad
 * there is no card to judge, and the assessment is returned as it is.
 *
 * @example
 * let a = assessDocumentFrame(image, opts);
 * if (a.ok) a = amendDocumentAssessment(a, { requireFaceOnDocument: true, faces: await findFaces(a.quad) });
 */
export function amendDocumentAssessment(
  a: DocumentAssessment,
  verdicts: DocumentVerdicts,
): DocumentAssessment {
  if (!a.quad) return a;
  const issues = new Set(a.issues);
  let added = 0;
  for (const issue of cardVerdicts(a.quad, verdicts)) {
    if (issues.has(issue)) continue;
    issues.add(issue);
    added++;
  }
  if (added === 0) return a;
  // The score halves per issue (see assessDocumentFrame), so the new issues only scale it.
  return { ...a, ok: false, issues: sortIssues(issues), score: a.score * 0.5 ** added };
}

/**
 * Runs every document check on one frame. Pure and synchronous; ~a few ms on a 640×480 frame.
 *
 * @example
 * const a = assessDocumentFrame(imageData, { kind: 'id1', previousQuad: last?.quad });
 * if (a.ok) gate.push(frameId, a); else showHint(a.issues[0]);
 */
export function assessDocumentFrame(frame: FrameLike, opts: DocumentAssessOptions = {}): DocumentAssessment {
  const t = documentThresholds(opts.profile, opts.thresholds);
  const kind = opts.kind ?? 'any';
  const issues = new Set<DocumentIssue>();
  let img = toColorImage(frame, SEARCH_WIDTH);
  const { edges, faint: faintEdges } = detectEdgesWithFaint(img, EDGE_THRESHOLD, FAINT_EDGE_THRESHOLD);
  let found = findDocumentQuadInLuma(img, { kind, edges });
  // No edge at all (a blank wall, a covered lens): nothing a coarser look could find either. Edges everywhere (a
  // busy surface): not a blurred frame, so not what the coarser look is for, and the costliest frame to search.
  const edgeShare = edges.pixels.length / (img.width * img.height);
  const areaOf = (q: Quad) => Math.abs(polygonArea(q)) / (img.width * img.height);
  if ((!found || areaOf(found.corners) < FAINT_SEARCH_BELOW_FILL) && edgeShare < FAINT_MAX_EDGE_SHARE) {
    // See FAINT_SEARCH_BELOW_FILL.
    const faint = findDocumentQuadInLuma(img, { kind, edges: faintEdges() });
    if (faint && (!found || areaOf(faint.corners) > 1.5 * areaOf(found.corners))) found = faint;
  }
  if (!found && edgeShare > 0 && edgeShare < FALLBACK_MAX_EDGE_SHARE && img.width > FALLBACK_SEARCH_WIDTH) {
    // Heavy blur spreads the outline over more pixels than the edge detector looks at, and busy backgrounds bury
    // it in texture; at half the resolution it stands out again, so a blurred card is reported as BLURRY rather
    // than missing. Converted from the frame, not halved from `img`: an exact area average finds borderline
    // cards that the twice-rounded one misses.
    const small = toColorImage(frame, FALLBACK_SEARCH_WIDTH);
    const again = findDocumentQuadInLuma(small, { kind, edges: detectEdges(small) });
    if (again) {
      img = small;
      found = again;
    }
  }

  if (!found) {
    const exposure = exposureStats(lumaHistogram(img.luma, img.width, img.height));
    // Without a card only the whole frame can be judged, and a dark desk is normal: flag only clearly bad light.
    if (exposure.meanLuma < FRAME_MIN_MEAN_LUMA || exposure.darkRatio > 0.9) issues.add('TOO_DARK');
    // Over-exposure can wash out the card's outline itself: a large blown-out area is reason enough.
    if (exposure.meanLuma > t.maxMeanLuma || exposure.brightRatio > t.maxBrightRatio)
      issues.add('TOO_BRIGHT');
    issues.add('NO_DOCUMENT');
    return {
      ok: false,
      issues: sortIssues(issues),
      score: 0,
      metrics: {
        sharpness: directionalSharpness(img.luma, img.width, img.height),
        glareRatio: glareStats(img.luma, img.width, img.height).ratio,
        meanLuma: exposure.meanLuma,
        darkRatio: exposure.darkRatio,
        brightRatio: exposure.brightRatio,
      },
    };
  }

  const { width: fw, height: fh } = frame;
  const quad = found.corners.map((p) => ({ x: p.x * img.scale, y: p.y * img.scale })) as Quad;
  const fillRatio = Math.abs(polygonArea(quad)) / (fw * fh);
  // The card's own shape: perspective undone, so a tilted card still measures its format.
  const rectified = rectifiedAspect(quad, fw, fh, FOCAL_PER_LONG_SIDE * Math.max(fw, fh));
  const aspect = rectified >= 1 ? rectified : 1 / rectified;

  // Placement.
  const margin = t.edgeMargin * Math.min(fw, fh);
  const outLeft = quad.some((p) => p.x < margin);
  const outRight = quad.some((p) => p.x > fw - margin);
  const outTop = quad.some((p) => p.y < margin);
  const outBottom = quad.some((p) => p.y > fh - margin);
  const xs = quad.map((p) => p.x);
  const ys = quad.map((p) => p.y);
  const span = Math.max((Math.max(...xs) - Math.min(...xs)) / fw, (Math.max(...ys) - Math.min(...ys)) / fh);
  const sidesOut = [outLeft, outRight, outTop, outBottom].filter(Boolean).length;
  // Out on opposite sides, or on several sides while filling most of the frame: moving back fixes both.
  const tooClose =
    span > t.maxSpan || (outLeft && outRight) || (outTop && outBottom) || (sidesOut >= 2 && fillRatio > 0.5);
  const cutOff = found.borderSide || outLeft || outRight || outTop || outBottom;
  if (tooClose) issues.add('DOCUMENT_TOO_CLOSE');
  else if (cutOff) issues.add('DOCUMENT_CUT_OFF');
  if (fillRatio < t.minFill && !cutOff) issues.add('DOCUMENT_TOO_FAR');

  // Perspective (keystone), never in-plane rotation: estimated plane angle, skewed corners, or a shape no document
  // has even with the perspective undone.
  const tiltDeg = perspectiveTiltDeg(quad, fw, fh, FOCAL_PER_LONG_SIDE * Math.max(fw, fh));
  const aspectOff = FORMATS.every((f) => Math.abs(Math.log(aspect / f)) > Math.log(1 + t.aspectTolerance));
  const cornerAngleDeg = maxCornerAngleDeviation(quad);
  if (!cutOff && (tiltDeg > t.maxTiltDeg || cornerAngleDeg > t.maxCornerAngleDeg || aspectOff)) {
    issues.add('TILTED');
  }

  let motionPx: number | undefined;
  if (opts.previousQuad) {
    motionPx = maxCornerDisplacement(quad, opts.previousQuad);
    if (motionPx > t.maxMotion * Math.max(fw, fh)) issues.add('MOVING');
  }

  // Pixel quality, on the card itself, rectified so the measures do not depend on distance or perspective.
  const rw = RECTIFIED_WIDTH;
  const rh = Math.round(rw / Math.min(1.75, Math.max(1.3, aspect)));
  // Inset so the card's own outline (and any background left by a slightly loose quad) is not measured.
  const inset = { x: Math.round(rw * 0.03), y: Math.round(rh * 0.04), width: 0, height: 0 };
  inset.width = rw - 2 * inset.x;
  inset.height = rh - 2 * inset.y;
  // Only the inset is sampled, plus the 1-px ring the sharpness filter reads around it.
  const part = { x: inset.x - 1, y: inset.y - 1, width: inset.width + 2, height: inset.height + 2 };
  const card = rectifyQuadLuma(frame, quad, rw, rh, part) ?? new Uint8Array(part.width * part.height);
  const measured = { x: 1, y: 1, width: inset.width, height: inset.height };
  const sharpness = textureSharpness(card, part.width, part.height, measured);
  const glare = glareStats(card, part.width, part.height, { region: measured });
  const exposure = exposureStats(lumaHistogram(card, part.width, part.height, measured));
  if (
    exposure.highLuma < t.minHighLuma ||
    exposure.meanLuma < t.minMeanLuma ||
    exposure.darkRatio > t.maxDarkRatio
  ) {
    issues.add('TOO_DARK');
  }
  // Over-exposure shows on the whole frame too: a dark card may keep its own print while the surface round it
  // (and any white on it) is blown out. A camera's metering never clips that much of a scene it exposed right.
  const frameExposure = exposureStats(lumaHistogram(img.luma, img.width, img.height));
  if (
    exposure.meanLuma > t.maxMeanLuma ||
    exposure.brightRatio > t.maxBrightRatio ||
    frameExposure.brightRatio > t.maxFrameBrightRatio
  ) {
    issues.add('TOO_BRIGHT');
  }
  if (sharpness < t.minSharpness) issues.add('BLURRY');
  // A card blown out as a whole is TOO_BRIGHT; its solid white is not a local reflection.
  const glareCore =
    !issues.has('TOO_BRIGHT') &&
    (glare.solidCore > t.maxGlareCore * inset.width || glare.solidArea > t.maxGlareSolidArea);
  if (glare.largestCluster > t.maxGlareCluster || glare.ratio > t.maxGlareRatio || glareCore) {
    issues.add('GLARE');
  }

  for (const issue of cardVerdicts(quad, opts)) issues.add(issue);
  if (opts.captureResolution) {
    const [top, right, bottom, left] = sideLengths(quad);
    const longSide = Math.max((top + bottom) / 2, (left + right) / 2);
    if ((longSide * opts.captureResolution.width) / fw < t.minCardWidthPx) issues.add('RESOLUTION_TOO_LOW');
  }

  // Best-frame score: each factor 1 when comfortably inside its limit, falling towards 0 as it is exceeded.
  const sharpTerm = Math.min(1, sharpness / (2 * t.minSharpness));
  const glareTerm = 1 - Math.min(1, glare.largestCluster / (2 * t.maxGlareCluster)) * 0.5;
  const motionTerm = motionPx === undefined ? 1 : 1 / (1 + motionPx / (t.maxMotion * Math.max(fw, fh)));
  const exposureTerm = 1 - Math.min(1, Math.abs(exposure.meanLuma - 170) / 170);
  const issuePenalty = 0.5 ** issues.size;
  const score =
    found.confidence * sharpTerm * glareTerm * motionTerm * (0.5 + 0.5 * exposureTerm) * issuePenalty;

  return {
    ok: issues.size === 0,
    issues: sortIssues(issues),
    score,
    quad,
    metrics: {
      sharpness,
      glareRatio: glare.ratio,
      glareSolidArea: glare.solidArea,
      meanLuma: exposure.meanLuma,
      darkRatio: exposure.darkRatio,
      brightRatio: exposure.brightRatio,
      lowLuma: exposure.lowLuma,
      highLuma: exposure.highLuma,
      fillRatio,
      aspect,
      tiltDeg,
      cornerAngleDeg,
      motionPx,
    },
  };
}
