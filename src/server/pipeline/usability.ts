/**
 * The `usability` capability: is each credential's upload complete and good enough to verify? Measured on the
 * stored pixels (never the client's own verdict), one result per credential.
 *
 * Thresholds were calibrated on real pixels (see test/node/pipeline/usability.test.ts for the fixtures): a synthetic
 * ID card on a desk (1400×1000), the astronaut portrait (512²) and the six real photos of @vladmandic/face-api's demo,
 * each clean and degraded with sharp (gaussian blur σ 1–5, linear darkening/brightening, radial white glare). All
 * metrics are taken at ≤ 1024 px longest side (see image-metrics.ts).
 *
 * Glare and over-exposure of a document are not judged on the whole frame: measured on the real specimen scans and
 * photos of `../shared/realdata/documents/mrz-specimens/`, the frame's saturated share and largest saturated blob
 * flagged 12 of 20 clean images (white scanner beds, white paper round the card, white print bands); judged on the
 * card, 4 of 20 (three washed-out scans and one photo with a real reflection). They are judged on the card instead, by the widget's own checks (`analysis/document-assessment.ts`), so the device and the server
 * give one verdict; darkness and blur keep the frame measures below (a dark or blurred frame is that everywhere).
 */
import { randomUUID } from 'node:crypto';
import { assessDocumentFrame } from '../../analysis/document-assessment.js';
import type { DocumentIssue } from '../../analysis/types.js';
import { decodeForAnalysis } from '../documents/document-image.js';
import { type ImageQualityMetrics, measureImageQuality } from '../media/image-metrics.js';
import type { Capability, CapabilityResult, DecisionType, ExecutionInput, StoredPart } from './types.js';

/**
 * Relative sharpness = variance of the Laplacian ÷ variance of luma, which cancels exposure and contrast (a dark
 * but crisp frame keeps its score). Clean frames measured 0.022–0.056; σ 1 blur ≥ 0.0095; σ 1.5 ≈ 0.0045;
 * σ 2 0.0023–0.0052; σ 3 ≤ 0.0029. So σ ≥ 3 (text unreadable) is rejected and σ ≈ 1.5 (soft) warned.
 */
export const BLUR_REJECT_BELOW = 0.003;
export const BLUR_WARN_BELOW = 0.008;

/** Mean luma: darkened fixtures (×0.2) measured 7–23, dimmed (×0.45) 17–52; a dark real indoor photo 38. */
export const DARK_REJECT_BELOW = 30;
export const DARK_WARN_BELOW = 55;
/**
 * Overexposure by share of near-saturated pixels: brightened fixtures measured 0.28–0.51, while clean real photos
 * with white walls or sky reach 0.12, so warn from 0.15 and reject from 0.25.
 */
export const OVEREXPOSED_REJECT_ABOVE = 0.25;
export const OVEREXPOSED_WARN_ABOVE = 0.15;
/** Mean luma above which a frame is washed out even without clipping. */
export const BRIGHT_WARN_ABOVE = 205;

/** Stills are checked by the widget's card checks at this longest side: the card is rectified to a fixed size anyway. */
const CARD_CHECK_MAX_SIDE = 1280;

/**
 * Longest side in px. Documents: at 600 px an ID-1 card is ~7 px/mm and MRZ characters (~2.5 mm) ~17 px tall,
 * the least OCR can read; 900 px gives headroom. Selfies: face checks need ~400 px; upload validation already
 * refuses ≤ 300 px, so there is no reject level.
 */
export const DOCUMENT_RESOLUTION_REJECT_BELOW = 600;
export const DOCUMENT_RESOLUTION_WARN_BELOW = 900;
export const SELFIE_RESOLUTION_WARN_BELOW = 400;

export type UsabilityLabel = 'BLURRED' | 'GLARE' | 'BAD_QUALITY' | 'LOW_RESOLUTION';

export interface UsabilityIssue {
  label: UsabilityLabel;
  severity: 'REJECTED' | 'WARNING';
  /** The metric that tripped, for support and tuning (numbers only, no image content). */
  metric: string;
  value: number;
}

const MEASURABLE_MIME = new Set(['image/jpeg', 'image/png']);

/**
 * The widget's own verdict on a document photo's card (`assessDocumentFrame`, judged on the card rectified, so white
 * paper around it, a scan's white margins and saturated print bands are not mistaken for glare or over-exposure).
 * Absent when no card outline was found in the image (a scan cut to the card: imageChecks decides what it shows).
 */
export interface CardVerdict {
  issues: readonly DocumentIssue[];
}

/** Judges one image part of a credential of the given category. Pure: metrics in, issues out. */
export function assessUsability(
  metrics: ImageQualityMetrics,
  category: 'ID' | 'SELFIE' | 'FACEMAP',
  card?: CardVerdict,
): UsabilityIssue[] {
  const issues: UsabilityIssue[] = [];
  const add = (label: UsabilityLabel, severity: 'REJECTED' | 'WARNING', metric: string, value: number) =>
    issues.push({ label, severity, metric, value: round(value) });

  if (metrics.meanLuma < DARK_REJECT_BELOW) add('BAD_QUALITY', 'REJECTED', 'meanLuma', metrics.meanLuma);
  else if (metrics.meanLuma < DARK_WARN_BELOW) add('BAD_QUALITY', 'WARNING', 'meanLuma', metrics.meanLuma);
  else if (category === 'ID') {
    // On a document, clipped white is judged on the card alone (the widget's verdict), never on the whole frame.
    if (card?.issues.includes('TOO_BRIGHT')) add('BAD_QUALITY', 'REJECTED', 'card', 1);
  } else if (metrics.saturatedShare > OVEREXPOSED_REJECT_ABOVE) {
    add('BAD_QUALITY', 'REJECTED', 'saturatedShare', metrics.saturatedShare);
  } else if (metrics.saturatedShare > OVEREXPOSED_WARN_ABOVE) {
    add('BAD_QUALITY', 'WARNING', 'saturatedShare', metrics.saturatedShare);
  } else if (metrics.meanLuma > BRIGHT_WARN_ABOVE)
    add('BAD_QUALITY', 'WARNING', 'meanLuma', metrics.meanLuma);

  const relativeSharpness = metrics.lumaStdDev > 0 ? metrics.sharpness / metrics.lumaStdDev ** 2 : 0;
  if (relativeSharpness < BLUR_REJECT_BELOW)
    add('BLURRED', 'REJECTED', 'relativeSharpness', relativeSharpness);
  else if (relativeSharpness < BLUR_WARN_BELOW)
    add('BLURRED', 'WARNING', 'relativeSharpness', relativeSharpness);

  // Glare on a document is the widget's verdict on the card: a reflection, not white print or paper. (Faces have
  // legitimate specular highlights and are never judged for it.)
  if (category === 'ID' && card?.issues.includes('GLARE') && !card.issues.includes('TOO_BRIGHT')) {
    add('GLARE', 'REJECTED', 'card', 1);
  }

  const longestSide = Math.max(metrics.width, metrics.height);
  if (category === 'ID') {
    if (longestSide < DOCUMENT_RESOLUTION_REJECT_BELOW)
      add('LOW_RESOLUTION', 'REJECTED', 'longestSide', longestSide);
    else if (longestSide < DOCUMENT_RESOLUTION_WARN_BELOW)
      add('LOW_RESOLUTION', 'WARNING', 'longestSide', longestSide);
  } else if (longestSide < SELFIE_RESOLUTION_WARN_BELOW) {
    add('LOW_RESOLUTION', 'WARNING', 'longestSide', longestSide);
  }
  return issues;
}

interface PartReport {
  classifier: string;
  measured: boolean;
  metrics?: Record<string, number>;
  issues: UsabilityIssue[];
}

export const usabilityCapability: Capability = {
  name: 'usability',
  async run(input: ExecutionInput): Promise<CapabilityResult[]> {
    const results: CapabilityResult[] = [];
    for (const credential of input.credentials) {
      const ref = [{ id: credential.id, category: credential.category }];
      const parts = input.parts.filter((p) => p.credentialId === credential.id);
      const result = (
        type: DecisionType,
        label: string,
        data?: Record<string, unknown>,
      ): CapabilityResult => ({
        id: randomUUID(),
        credentials: ref,
        decision: { type, details: { label } },
        ...(data ? { data } : {}),
      });

      // A facemap's evidence is the liveness frames, judged by the liveness capability; it takes no still image.
      if (parts.length === 0 && credential.category === 'FACEMAP') continue;
      if (parts.length === 0) {
        results.push(result('REJECTED', 'NOT_UPLOADED'));
        continue;
      }
      const present = new Set(parts.map((p) => p.classifier));
      const missing = credential.requiredClassifiers.filter((c) => !present.has(c));
      if (missing.length > 0) {
        results.push(result('REJECTED', 'MISSING_PAGE', { missingClassifiers: missing }));
        continue;
      }

      // Judge the required pages (other parts, e.g. liveness frames, belong to other capabilities).
      const judged = credential.requiredClassifiers.length
        ? parts.filter((p) => credential.requiredClassifiers.includes(p.classifier))
        : parts;
      const reports = await Promise.all(judged.map((part) => reportPart(part, credential.category)));
      if (reports.every((r) => !r.measured)) {
        // FACEMAP blobs and PDFs carry no pixels we can measure: say so rather than pass them.
        results.push(result('NOT_EXECUTED', 'NOT_SUPPORTED', { parts: reports }));
        continue;
      }
      const issues = reports.flatMap((r) => r.issues);
      const worst =
        issues.find((i) => i.severity === 'REJECTED') ?? issues.find((i) => i.severity === 'WARNING');
      results.push(
        worst
          ? result(worst.severity, worst.label, { parts: reports })
          : result('PASSED', 'OK', { parts: reports }),
      );
    }
    return results;
  },
};

async function reportPart(part: StoredPart, category: 'ID' | 'SELFIE' | 'FACEMAP'): Promise<PartReport> {
  if (category === 'FACEMAP' || !MEASURABLE_MIME.has(part.mime)) {
    return { classifier: part.classifier, measured: false, issues: [] };
  }
  const bytes = await part.read();
  const metrics = await measureImageQuality(bytes);
  const card = category === 'ID' ? await cardVerdict(bytes) : undefined;
  return {
    classifier: part.classifier,
    measured: true,
    metrics: {
      width: metrics.width,
      height: metrics.height,
      relativeSharpness: round(metrics.lumaStdDev > 0 ? metrics.sharpness / metrics.lumaStdDev ** 2 : 0),
      meanLuma: round(metrics.meanLuma),
      saturatedShare: round(metrics.saturatedShare),
      largestGlareBlobShare: round(metrics.largestGlareBlobShare),
      ...(card ? { cardFound: 1 } : {}),
    },
    issues: assessUsability(metrics, category, card),
  };
}

/** The widget's checks on the stored photo, at the size they are tuned for; undefined without a card outline. */
async function cardVerdict(bytes: Buffer): Promise<CardVerdict | undefined> {
  const frame = await decodeForAnalysis(bytes, CARD_CHECK_MAX_SIDE);
  // The frame-wide over-exposure rule is for live camera frames; a scanner's white bed clips by design.
  const assessment = assessDocumentFrame(frame, { thresholds: { maxFrameBrightRatio: 1 } });
  return assessment.quad ? { issues: assessment.issues } : undefined;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
