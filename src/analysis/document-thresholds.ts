import type { CaptureProfile } from './types.js';

/**
 * Pass / fail limits of the document checks. Values were tuned on rendered specimens (see
 * test/node/analysis/document-accuracy.test.ts); desktop webcams are softer, darker and lower-resolution than
 * phone cameras, so their floors are lower.
 */
export interface DocumentThresholds {
  /**
   * Smallest card area as a share of the frame area (0..1). Below it: DOCUMENT_TOO_FAR. A card filling less than
   * ~1/4 of a phone frame has too few pixels for the MRZ and fine print.
   */
  minFill: number;
  /**
   * Largest share of the frame's width (or height) the card's bounding box may span. Above it:
   * DOCUMENT_TOO_CLOSE. Leaves a margin round the corners, which must be visible to prove the whole card is there.
   */
  maxSpan: number;
  /**
   * Distance from the frame edge, as a share of the frame's shorter side, inside which a corner counts as cut
   * off. Corners touching the edge usually mean a bit of the card is outside.
   */
  edgeMargin: number;
  /**
   * Largest estimated angle (degrees) between card and image plane (`perspectiveTiltDeg`) before TILTED: glare and
   * keystone grow with it. In-plane rotation does not count. On the realistic accuracy set: clean frames (hand-held,
   * up to 10° pitch and 8° yaw, any rotation up to ±15°) 0.8–17.7, median 5.6; cards tipped 35–45° 29–43 for nine in
   * ten (the estimate runs low when the real focal length is longer than the assumed one).
   */
  maxTiltDeg: number;
  /**
   * Largest deviation of a corner angle from 90° (degrees) before TILTED: a strongly skewed, foreshortened card.
   * Clean frames reach 14.4 on the realistic set (median 2.9); tipped cards 9–28 (median 16).
   */
  maxCornerAngleDeg: number;
  /**
   * Allowed relative deviation of the card's aspect, perspective undone, from every document format (ID-1 1.586,
   * visa 1.5, passport page / ID-2 1.42) before TILTED: a shape no document has once the perspective is taken out.
   */
  aspectTolerance: number;
  /**
   * Sharpness floor: `textureSharpness` (second-difference variance in the weakest direction, so motion blur counts,
   * averaged over the better-printed half of the card's tiles, so a card that is mostly a plain field or a black
   * stripe is not read as blurred) of the card rectified to 320 px wide. Below it: BLURRY. The card, not the frame, is
   * resampled, so the value tracks legibility whatever the distance. On the realistic accuracy set
   * (scripts/make-accuracy-set.ts): clean frames 258 and up (10th percentile 565), defocus σ 2.3–4 px and motion
   * smear 12–22 px 4–69; 130 sits between.
   */
  minSharpness: number;
  /** Largest blob of saturated pixels (≥ 250) as a share of the card area before GLARE: one such blob hides a field. */
  maxGlareCluster: number;
  /** Largest share of saturated pixels on the card before GLARE, even when scattered. */
  maxGlareRatio: number;
  /**
   * Largest solid blown-out patch (`GlareStats.solidCore`, half-side of a square, as a share of the card's width)
   * before GLARE, whatever its rim. On rendered specimens white print reaches 0.03 (MRZ band between text rows),
   * a highlight 0.05 and more.
   */
  maxGlareCore: number;
  /**
   * Largest washed-out share of the card (`GlareStats.solidArea`: saturated pixels 5 px or more inside a saturated
   * area, print bands left out) before GLARE. It catches a reflection over a barcode or text, whose rim is hard where
   * it meets the ink. On the realistic accuracy set (scripts/make-accuracy-set.ts): clean frames ≤ 0.003 (a white
   * MRZ band partly clipped), reflections median 0.032, 10th percentile 0.008 (the smallest spots are caught by
   * the soft-rim blob test instead).
   */
  maxGlareSolidArea: number;
  /** Mean card luma (0..255) below which the frame is TOO_DARK whatever else: the card is next to black. */
  minMeanLuma: number;
  /**
   * Luma the whitest 2 % of the card must reach (`ExposureStats.highLuma`), else TOO_DARK: every document has white
   * paper or white print somewhere, and under-exposure keeps it grey, while a dark card design (navy, black
   * stripe) still has it. Its mean alone cannot tell the two apart: on the realistic accuracy set clean cards
   * have a mean of 56–215 and under-exposed ones 15–70, but a highLuma of ≥ 146 and ≤ 99.
   */
  minHighLuma: number;
  /** Mean card luma (0..255) above which the frame is TOO_BRIGHT (over-exposed: light print washes out). */
  maxMeanLuma: number;
  /** Share of card pixels at or below luma 40 above which the frame is TOO_DARK, whatever the mean. */
  maxDarkRatio: number;
  /**
   * Share of card pixels at or above luma 250 above which the frame is TOO_BRIGHT (a large washed-out area). On the
   * three realistic sets (CI set, bench draw, real specimens composited; scripts/make-accuracy-set.ts,
   * bench/accuracy-real.ts): clean frames ≤ 0.12 (n = 273, 90th percentile 0), glare spots and streaks ≤ 0.23
   * (n = 105, median 0.07), over-exposed frames (2–2.5× the metered exposure) median 0.71, 10th percentile 0.05
   * (n = 77). At 0.4, over-exposed cards with dark print kept under it were told GLARE (their clipped paper is a
   * solid white area: TOO_BRIGHT with its reason 29/35 on the bench draw, 31/35 at 0.25). A well-exposed card back
   * whose white MRZ band saturates is 0.25–0.28 (the TD1 back of the unit tests, 6 scenes) and must pass: 0.35 sits
   * above it and every glare and clean frame measured, and gives 30/35 (one over-exposed front told GLARE); the CI
   * set and the real specimens give the same verdicts at 0.25–0.4.
   */
  maxBrightRatio: number;
  /**
   * Share of the whole frame at or above luma 250 above which it is TOO_BRIGHT even when the card itself is not
   * blown out (a dark card on a washed-out table). On the realistic accuracy set clean frames stay below 0.01.
   */
  maxFrameBrightRatio: number;
  /**
   * Largest corner movement between consecutive analysed frames, as a share of the frame's longer side, before
   * MOVING. Motion blur at capture resolution is worse than in the preview, so hold still first.
   */
  maxMotion: number;
  /**
   * Smallest card width (long side) in pixels at capture resolution: below it RESOLUTION_TOO_LOW. 1000 px across
   * an ID-1 card is ~300 dpi, the usual floor for reliable OCR of the MRZ and small print.
   */
  minCardWidthPx: number;
}

export const DOCUMENT_THRESHOLDS: { phone: DocumentThresholds; desktop: DocumentThresholds } = {
  phone: {
    minFill: 0.2,
    maxSpan: 0.94,
    edgeMargin: 0.01,
    maxTiltDeg: 22,
    maxCornerAngleDeg: 18,
    aspectTolerance: 0.12,
    minSharpness: 130,
    maxGlareCluster: 0.004,
    maxGlareRatio: 0.02,
    maxGlareCore: 0.04,
    maxGlareSolidArea: 0.008,
    minMeanLuma: 30,
    minHighLuma: 120,
    maxMeanLuma: 230,
    maxDarkRatio: 0.9,
    maxBrightRatio: 0.35,
    maxFrameBrightRatio: 0.3,
    maxMotion: 0.012,
    minCardWidthPx: 1000,
  },
  desktop: {
    minFill: 0.15,
    maxSpan: 0.94,
    edgeMargin: 0.01,
    maxTiltDeg: 22,
    maxCornerAngleDeg: 18,
    aspectTolerance: 0.12,
    minSharpness: 80,
    maxGlareCluster: 0.004,
    maxGlareRatio: 0.02,
    maxGlareCore: 0.04,
    maxGlareSolidArea: 0.008,
    minMeanLuma: 25,
    minHighLuma: 100,
    maxMeanLuma: 230,
    maxDarkRatio: 0.9,
    maxBrightRatio: 0.35,
    maxFrameBrightRatio: 0.3,
    maxMotion: 0.015,
    minCardWidthPx: 800,
  },
};

export function documentThresholds(
  profile: CaptureProfile = 'phone',
  overrides?: Partial<DocumentThresholds>,
): DocumentThresholds {
  return { ...DOCUMENT_THRESHOLDS[profile], ...overrides };
}
