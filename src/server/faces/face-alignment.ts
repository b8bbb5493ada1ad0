/**
 * The crop the identity descriptor (`faceres`) is computed on, aligned from the face's own mesh: eyes level, the
 * crop's size a fixed multiple of the eye-to-mouth distance, its centre a fixed distance below the eyes.
 *
 * Why not human's own crop: human cuts `faceres`'s input from BlazeFace's box (× 1.4), which moves with the box from
 * one photo of a face to the next, and it levels the eyes only past 0.2 rad of roll (from BlazeFace's coarse eye
 * points). Aligning on the 468-point mesh instead took the real pairs' FNMR at FMR 0.1 % from 4.07 % to 2.69 % and
 * at FMR 0.01 % from 11.9 % to 6.2 %, and the printed-card pairs' from 8.9 % to 6.8 % at FMR 0.1 % (same faces, same
 * run; 2 676 genuine / 90 682 impostor real pairs, 527 / 1 784 card pairs; docs/face-match-calibration.md, where the
 * sweep of size and offset that chose the constants below is: `IDV_BENCH_FACES_SWEEP=1 npm run bench -- faces-real`).
 * The eye-to-mouth distance, not the eye distance, sets the scale: a head turned sideways brings the eyes closer in
 * the image, not the mouth nearer the eyes (scaled on the eye distance the sweep's best gave 2.84 %).
 *
 * No library aligns a face for this model, and the warp is one similarity transform with bilinear sampling, so it is
 * written here (pure, no tfjs).
 */

/** A point of human's mesh in the pixels of the image the mesh was measured on. */
export type MeshPoint = readonly [number, number, number?];

/** MediaPipe face-mesh indices (the 468-point canonical topology). */
const MESH = {
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  mouthRight: 61,
  mouthLeft: 291,
} as const;

/** Side of the crop, in eye-to-mouth distances. */
export const ALIGNED_CROP_SIZE = 3.6;
/** Centre of the crop below the midpoint of the eyes, in eye-to-mouth distances. */
export const ALIGNED_CROP_CENTRE_BELOW_EYES = 0.5;
/** `faceres`'s input side. */
export const DESCRIPTOR_INPUT_SIDE = 224;

/** A square crop in the source image: centre, side and rotation (radians, the eye line's angle). */
export interface CropGeometry {
  centreX: number;
  centreY: number;
  side: number;
  angle: number;
}

/** How the crop is placed on the face: the shipped constants (`ALIGNED_CROP`), or a candidate of the calibration bench's sweep. */
export interface CropPlacement {
  /** Side of the crop, in `reference` lengths. */
  size: number;
  /** Centre of the crop below the midpoint of the eyes, in `reference` lengths. */
  below: number;
  /** The face length it is measured in: eye-to-mouth distance, or the distance between the eyes' centres. */
  reference: 'eyeToMouth' | 'interocular';
}

export const ALIGNED_CROP: CropPlacement = {
  size: ALIGNED_CROP_SIZE,
  below: ALIGNED_CROP_CENTRE_BELOW_EYES,
  reference: 'eyeToMouth',
};

/** The aligned crop of a face from its mesh (≥ 468 points, pixels of the image it will be cut from). */
export function alignedCrop(
  mesh: readonly MeshPoint[],
  placement: CropPlacement = ALIGNED_CROP,
): CropGeometry {
  const point = (i: number) => mesh[i] ?? [0, 0];
  const midpoint = (a: number, b: number) => ({
    x: (point(a)[0] + point(b)[0]) / 2,
    y: (point(a)[1] + point(b)[1]) / 2,
  });
  const rightEye = midpoint(MESH.rightEyeOuter, MESH.rightEyeInner);
  const leftEye = midpoint(MESH.leftEyeInner, MESH.leftEyeOuter);
  const mouth = midpoint(MESH.mouthRight, MESH.mouthLeft);
  const eyes = { x: (rightEye.x + leftEye.x) / 2, y: (rightEye.y + leftEye.y) / 2 };
  const angle = Math.atan2(leftEye.y - rightEye.y, leftEye.x - rightEye.x);
  const length = Math.max(
    1,
    placement.reference === 'eyeToMouth'
      ? Math.hypot(mouth.x - eyes.x, mouth.y - eyes.y)
      : Math.hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y),
  );
  const below = placement.below * length;
  return {
    // "Below" in the face's own frame: perpendicular to the eye line.
    centreX: eyes.x - Math.sin(angle) * below,
    centreY: eyes.y + Math.cos(angle) * below,
    side: placement.size * length,
    angle,
  };
}

/** An RGB image, 3 bytes a pixel, row-major. */
export interface RgbImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/**
 * `crop` of `image` resampled to `out`² (bilinear; grey 128 outside the image), RGB as floats 0–255, the layout
 * `faceres` takes. `mirror` flips it left to right.
 */
export function warpCrop(
  image: RgbImage,
  crop: CropGeometry,
  out = DESCRIPTOR_INPUT_SIDE,
  mirror = false,
): Float32Array {
  const result = new Float32Array(out * out * 3);
  const step = crop.side / out;
  const cos = Math.cos(crop.angle) * step;
  const sin = Math.sin(crop.angle) * step;
  const { pixels, width, height } = image;
  const sample = (x: number, y: number, c: number) =>
    x < 0 || y < 0 || x >= width || y >= height ? 128 : (pixels[(y * width + x) * 3 + c] as number);
  let at = 0;
  for (let v = 0; v < out; v++) {
    const dy = v + 0.5 - out / 2;
    for (let u = 0; u < out; u++) {
      const dx = (mirror ? out - 1 - u : u) + 0.5 - out / 2;
      // Pixel centres at integer + 0.5 in the source.
      const x = crop.centreX + cos * dx - sin * dy - 0.5;
      const y = crop.centreY + sin * dx + cos * dy - 0.5;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      for (let c = 0; c < 3; c++) {
        const top = (1 - fx) * sample(x0, y0, c) + fx * sample(x0 + 1, y0, c);
        const bottom = (1 - fx) * sample(x0, y0 + 1, c) + fx * sample(x0 + 1, y0 + 1, c);
        result[at++] = (1 - fy) * top + fy * bottom;
      }
    }
  }
  return result;
}
