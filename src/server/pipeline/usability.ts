/**
 * The `usability` capability: is each credential's upload complete and good enough to verify? Measured on the
 * stored pixels (never the client's own verdict), one result per credential.
 *
 * Thresholds were calibrated on real pixels (see test/node/pipeline/usability.test.ts for the fixtures): a synthetic
 * ID card on a desk (1400×1000), the astronaut portrait (512²) and the six real photos of @vladmandic/face-api's demo,
 * each clean and degraded with sharp (gaussian blur σ 1–5, linear darkening/brightening, radial white glare). All
 * metrics are taken at ≤ 1024 px longest side (see image-metrics.ts).
 */
import { randomUUID } from 'node:crypto';
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

/**
 * Glare (documents only: faces have legitimate specular highlights) by the share of the frame covered by the largest
 * saturated blob. A card filling ~45% of the frame: clean ≤ 0.006 (printed white), glare spot of r = 12% of the
 * height 0.020, of 20% 0.055. Warn from 1.5% of the frame (≈ 3% of the card), reject from 4% (≈ 9%).
 */
export const GLARE_REJECT_ABOVE = 0.04;
export const GLARE_WARN_ABOVE = 0.015;

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

/** Judges one image part of a credential of the given category. Pure: metrics in, issues out. */
export function assessUsability(
  metrics: ImageQualityMetrics,
  category: 'ID' | 'SELFIE' | 'FACEMAP',
): UsabilityIssue[] {
  const issues: UsabilityIssue[] = [];
  const add = (label: UsabilityLabel, severity: 'REJECTED' | 'WARNING', metric: string, value: number) =>
    issues.push({ label, severity, metric, value: round(value) });

  if (metrics.meanLuma < DARK_REJECT_BELOW) add('BAD_QUALITY', 'REJECTED', 'meanLuma', metrics.meanLuma);
  else if (metrics.meanLuma < DARK_WARN_BELOW) add('BAD_QUALITY', 'WARNING', 'meanLuma', metrics.meanLuma);
  else if (metrics.saturatedShare > OVEREXPOSED_REJECT_ABOVE) {
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

  // Overexposure already explains a large saturated area; calling it glare too would double-count.
  const overexposed = issues.some((i) => i.metric === 'saturatedShare');
  if (category === 'ID' && !overexposed) {
    const glare = metrics.largestGlareBlobShare;
    if (glare > GLARE_REJECT_ABOVE) add('GLARE', 'REJECTED', 'largestGlareBlobShare', glare);
    else if (glare > GLARE_WARN_ABOVE) add('GLARE', 'WARNING', 'largestGlareBlobShare', glare);
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
  const metrics = await measureImageQuality(await part.read());
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
    },
    issues: assessUsability(metrics, category),
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
