/**
 * Synthetic face-mesh landmarks for the face tests: a small canonical-like 3D point set (x right, y up, z towards
 * the camera, in cm) on the MediaPipe mesh indices the geometry reads, rotated by a known pose and projected
 * into normalised landmark coordinates the way FaceLandmarker reports them.
 */
import type { Landmark } from '../../../src/analysis/index.js';

type V3 = [number, number, number];

export interface SyntheticFace {
  yaw?: number;
  pitch?: number;
  roll?: number;
  /** Eye aspect ratio of both eyes (default 0.3, open). */
  eyeOpenness?: number;
  /** Inner-lip gap / mouth width (default 0.05). */
  mouthOpenness?: number;
  /** Face centre in normalised frame coordinates (default 0.5, 0.5). */
  center?: { x: number; y: number };
  /** Normalised height units per cm (default 0.02: a ~14 cm wide face is 28% of the frame height). */
  scale?: number;
  /** Frame width / height (default 4 / 3). */
  aspect?: number;
}

function canonical(ear: number, mouth: number): Map<number, V3> {
  // Eye width is 3 cm, so a lid gap of 3·ear gives that aspect ratio.
  const h = ear * 3;
  const m = (mouth * 5) / 2;
  const pts = new Map<number, V3>([
    [234, [-7, 0, 0]],
    [454, [7, 0, 0]],
    [10, [0, 8, 0]],
    [152, [0, -8, 0]],
    [1, [0, -1, 3]],
    [33, [-4.5, 2.5, 0.5]],
    [133, [-1.5, 2.5, 0.5]],
    [263, [4.5, 2.5, 0.5]],
    [362, [1.5, 2.5, 0.5]],
    [78, [-2.5, -4, 1]],
    [308, [2.5, -4, 1]],
    [13, [0, -4 + m, 1.2]],
    [14, [0, -4 - m, 1.2]],
  ]);
  const lids = (upper: number[], lower: number[], xs: number[]) => {
    for (let k = 0; k < 3; k++) {
      pts.set(upper[k]!, [xs[k]!, 2.5 + h / 2, 0.6]);
      pts.set(lower[k]!, [xs[k]!, 2.5 - h / 2, 0.6]);
    }
  };
  lids([160, 159, 158], [144, 145, 153], [-3.75, -3, -2.25]);
  lids([385, 386, 387], [380, 374, 373], [2.25, 3, 3.75]);
  return pts;
}

/** Row-major rotation R = Ry(yaw)·Rx(−pitch)·Rz(roll), the convention headPose* reports. */
export function rotation(yawDeg: number, pitchDeg: number, rollDeg: number): number[][] {
  const a = (yawDeg * Math.PI) / 180;
  const b = (-pitchDeg * Math.PI) / 180;
  const c = (rollDeg * Math.PI) / 180;
  const ry = [
    [Math.cos(a), 0, Math.sin(a)],
    [0, 1, 0],
    [-Math.sin(a), 0, Math.cos(a)],
  ];
  const rx = [
    [1, 0, 0],
    [0, Math.cos(b), -Math.sin(b)],
    [0, Math.sin(b), Math.cos(b)],
  ];
  const rz = [
    [Math.cos(c), -Math.sin(c), 0],
    [Math.sin(c), Math.cos(c), 0],
    [0, 0, 1],
  ];
  const mul = (p: number[][], q: number[][]) =>
    p.map((row) => [0, 1, 2].map((j) => row[0]! * q[0]![j]! + row[1]! * q[1]![j]! + row[2]! * q[2]![j]!));
  return mul(mul(ry, rx), rz);
}

/** A 4×4 column-major transformation matrix with rotation R, a translation and an optional uniform scale. */
export function transformationMatrix(r: number[][], scale = 1): number[] {
  const m = new Array<number>(16).fill(0);
  for (let row = 0; row < 3; row++)
    for (let col = 0; col < 3; col++) m[col * 4 + row] = r[row]![col]! * scale;
  m[12] = 1.5;
  m[13] = -2;
  m[14] = -45;
  m[15] = 1;
  return m;
}

export function syntheticLandmarks(f: SyntheticFace = {}): Landmark[] {
  const aspect = f.aspect ?? 4 / 3;
  const s = f.scale ?? 0.02;
  const c = f.center ?? { x: 0.5, y: 0.5 };
  const r = rotation(f.yaw ?? 0, f.pitch ?? 0, f.roll ?? 0);
  const lm: Landmark[] = Array.from({ length: 478 }, () => ({ x: c.x, y: c.y, z: 0 }));
  for (const [i, p] of canonical(f.eyeOpenness ?? 0.3, f.mouthOpenness ?? 0.05)) {
    const q = [0, 1, 2].map((k) => r[k]![0]! * p[0] + r[k]![1]! * p[1] + r[k]![2]! * p[2]) as V3;
    lm[i] = { x: c.x + (q[0] * s) / aspect, y: c.y - q[1] * s, z: (-q[2] * s) / aspect };
  }
  return lm;
}
