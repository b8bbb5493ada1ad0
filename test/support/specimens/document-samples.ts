/**
 * Labelled camera frames of documents for the accuracy sets: each document source (one of our designs, or a real
 * specimen image) photographed under drawn capture conditions (capture-conditions.ts) for each label, then
 * compressed as a camera pipeline would (JPEG at the drawn quality). Node only (sharp encodes the JPEG).
 */
import sharp from 'sharp';
import {
  captureConditions,
  type CaptureConditions,
  CONDITION_LABELS,
  type ConditionLabel,
} from './capture-conditions.js';
import { designedDocument, DOCUMENT_DESIGNS, type DocumentDesign } from './designs.js';
import { SeededRandom } from './random.js';
import type { Point, RgbaImage } from './rgba-image.js';
import { renderScene } from './scene.js';

/** A document to photograph. */
export interface DocumentSource {
  name: string;
  image: RgbaImage;
  /** What the widget would ask for (the user's choice of document type). */
  kind: 'id1' | 'passport';
  side: 'front' | 'back';
  /** The part of `image` that is the document (a booklet's data page); the whole image when absent. */
  documentRect?: { x: number; y: number; width: number; height: number };
}

/** Every design drawn with each of `seeds`. */
export async function designedSources(seeds: readonly number[]): Promise<DocumentSource[]> {
  const out: DocumentSource[] = [];
  for (const design of DOCUMENT_DESIGNS) {
    for (const seed of seeds) {
      const doc = await designedDocument(seed, design as DocumentDesign);
      out.push({
        name: `${design}#${seed}:${doc.features.join('+')}`,
        image: doc.image,
        kind: doc.kind,
        side: doc.side,
        documentRect: doc.documentRect,
      });
    }
  }
  return out;
}

export interface DocumentFrame {
  source: string;
  label: ConditionLabel;
  kind: 'id1' | 'passport';
  side: 'front' | 'back';
  seed: number;
  conditions: CaptureConditions;
  /** True corners of the document in the frame (absent when it is out of view). */
  quad?: Point[];
  /** The frame as the camera pipeline hands it over (JPEG), and decoded. */
  jpeg: Buffer;
  image: RgbaImage;
}

/** How many frames of each label to draw per source. */
export type LabelPlan = Partial<Record<ConditionLabel, number>>;

/** One frame of each label per source by default. */
export const ONE_OF_EACH: LabelPlan = Object.fromEntries(CONDITION_LABELS.map((l) => [l, 1]));

/** Encodes `image` as JPEG at `quality` and decodes it back: what the checks see from a camera. */
export async function jpegRoundTrip(
  image: RgbaImage,
  quality: number,
): Promise<{ jpeg: Buffer; image: RgbaImage }> {
  const jpeg = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .jpeg({ quality })
    .toBuffer();
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    jpeg,
    image: {
      data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    },
  };
}

/**
 * The labelled frames of `sources` under `plan`, seeds counted up from `firstSeed` (same arguments, same frames).
 * Frames are produced one at a time so a large set never sits in memory.
 */
export async function* documentFrames(
  sources: readonly DocumentSource[],
  plan: LabelPlan,
  firstSeed: number,
): AsyncGenerator<DocumentFrame> {
  let seed = firstSeed;
  for (const source of sources) {
    const rect = source.documentRect;
    const aspect = rect ? rect.width / rect.height : source.image.width / source.image.height;
    for (const label of CONDITION_LABELS) {
      for (let k = 0; k < (plan[label] ?? 0); k++) {
        const s = seed++;
        const conditions = captureConditions(label, new SeededRandom(s), s, aspect, source.image);
        const { image, quad } = renderScene(source.image, { ...conditions.scene, documentRect: rect });
        const camera = await jpegRoundTrip(image, conditions.jpegQuality);
        yield {
          source: source.name,
          label,
          kind: source.kind,
          side: source.side,
          seed: s,
          conditions,
          quad: label === 'NO_DOCUMENT' ? undefined : quad,
          ...camera,
        };
      }
    }
  }
}
