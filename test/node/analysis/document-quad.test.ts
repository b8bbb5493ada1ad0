import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectEdges, findDocumentQuad } from '../../../src/analysis/index.js';
import { renderScene } from '../../support/specimens/index.js';
import { emptyScene, quadDiagonal, quadError, specimenDocs } from './fixtures.js';

describe('findDocumentQuad', () => {
  const placements = [
    { background: 'desk', centerX: 0.5, centerY: 0.5, rotationDeg: 0, scale: 0.7 },
    { background: 'wood', centerX: 0.45, centerY: 0.55, rotationDeg: 7, scale: 0.6 },
    { background: 'noise', centerX: 0.55, centerY: 0.45, rotationDeg: -12, scale: 0.65 },
    { background: 'plain', centerX: 0.5, centerY: 0.5, rotationDeg: 3, scale: 0.8 },
    { background: [90, 60, 40], centerX: 0.48, centerY: 0.52, rotationDeg: -5, scale: 0.5 },
  ] as const;

  for (const [i, p] of placements.entries()) {
    it(`finds every specimen's corners within 1.5% of its diagonal (${JSON.stringify(p)})`, async () => {
      const docs = await specimenDocs();
      for (const [name, doc] of Object.entries(docs)) {
        const { image, quad } = renderScene(doc, { seed: 10 + i, ...p, background: p.background as never });
        const found = findDocumentQuad(image);
        assert.ok(found, `${name}: no quad`);
        const err = quadError(found.quad, quad);
        assert.ok(err < 0.015 * quadDiagonal(quad), `${name}: corner error ${err.toFixed(1)} px`);
        assert.ok(found.confidence > 0.6, `${name}: confidence ${found.confidence}`);
        assert.equal(found.borderSide, false);
      }
    });
  }

  it('returns corners in TL, TR, BR, BL order', async () => {
    const { front } = await specimenDocs();
    const { image } = renderScene(front, { seed: 3, rotationDeg: 6 });
    const q = findDocumentQuad(image)!.quad;
    assert.ok(q[0].x < q[1].x && q[3].x < q[2].x, 'left corners left of right corners');
    assert.ok(q[0].y < q[3].y && q[1].y < q[2].y, 'top corners above bottom corners');
  });

  it('follows a tilted card (keystone) to its true corners', async () => {
    const { front } = await specimenDocs();
    const { image, quad } = renderScene(front, { seed: 4, tiltDeg: 20 });
    const found = findDocumentQuad(image)!;
    assert.ok(quadError(found.quad, quad) < 0.015 * quadDiagonal(quad));
  });

  it('finds nothing on backgrounds without a document', async () => {
    const { front } = await specimenDocs();
    for (const background of ['desk', 'wood', 'noise', 'plain'] as const) {
      for (const seed of [1, 2, 3]) {
        assert.equal(
          findDocumentQuad(emptyScene(front, { seed, background })),
          undefined,
          `${background} #${seed}`,
        );
      }
    }
  });

  it('uses the frame border for a side that is outside the frame', async () => {
    const { front } = await specimenDocs();
    const { image } = renderScene(front, { seed: 5, centerX: 0.75 });
    const found = findDocumentQuad(image);
    assert.ok(found);
    assert.equal(found.borderSide, true);
    assert.ok(Math.max(...found.quad.map((p) => p.x)) >= 639, 'right side at the frame edge');
  });

  it('finds a passport data page at its 1.42 aspect when kind is passport', async () => {
    const { passport } = await specimenDocs();
    const { image } = renderScene(passport, { seed: 6 });
    const asPassport = findDocumentQuad(image, { kind: 'passport' });
    assert.ok(asPassport);
    const w = Math.hypot(
      asPassport.quad[1].x - asPassport.quad[0].x,
      asPassport.quad[1].y - asPassport.quad[0].y,
    );
    const h = Math.hypot(
      asPassport.quad[3].x - asPassport.quad[0].x,
      asPassport.quad[3].y - asPassport.quad[0].y,
    );
    assert.ok(Math.abs(w / h - 125 / 88) < 0.05, `aspect ${w / h}`);
  });
});

describe('detectEdges', () => {
  /** A luma image with one vertical step edge at column 1 and one horizontal step at row 1. */
  function steps(width: number, height: number) {
    const luma = new Uint8Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) luma[y * width + x] = (x >= 2 ? 200 : 20) + (y >= 2 ? 40 : 0);
    return { luma, width, height, scale: 1 };
  }

  it('gives the same edges for an image whatever shapes it analysed before', () => {
    // Its scratch buffers are reused across frames: a transposed image with the same pixel count must not see
    // what the previous one left behind.
    const fresh = detectEdges(steps(5, 8));
    // Strong gradients everywhere inside, where the 5-wide image has its first and last column.
    const noise = new Uint8Array(8 * 5).map((_, i) => ((i * 97) % 7) * 40);
    detectEdges({ luma: noise, width: 8, height: 5, scale: 1 });
    const after = detectEdges(steps(5, 8));
    assert.ok(fresh.pixels.length > 0, 'the step edges are found');
    assert.deepEqual([...after.pixels], [...fresh.pixels]);
    assert.deepEqual([...after.theta], [...fresh.theta]);
  });
});
