/**
 * The two former accuracy shortfalls: a highlight running into the white print of a card back (MRZ band, barcode
 * quiet zone), and a passport page overflowing the frame left and right.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessDocumentFrame, glareStats } from '../../../src/analysis/index.js';
import { renderScene, type SceneOptions } from '../../support/specimens/index.js';
import { specimenDocs } from './fixtures.js';

function lumaImage(w: number, h: number, f: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = Math.round(f(x, y));
  return out;
}

describe('glare merged with white print', () => {
  const w = 160;
  const h = 100;
  // Light card (200) above a white band (255) broken up by dark text marks, as an MRZ band.
  const band = (x: number, y: number) => (y < 50 ? 200 : x % 7 < 3 && y % 9 < 5 ? 30 : 255);
  // A Gaussian highlight centred on the band's top edge: it washes out the text under it.
  const highlight = (x: number, y: number) => 90 * Math.exp(-((x - 80) ** 2 + (y - 50) ** 2) / (2 * 14 ** 2));

  it('the band alone has no solid blown-out core', () => {
    const g = glareStats(lumaImage(w, h, band), w, h);
    assert.ok(g.saturatedRatio > 0.1, `saturated ${g.saturatedRatio}`);
    assert.equal(g.ratio, 0);
    assert.ok(g.solidCore <= 2, `core ${g.solidCore}`);
  });

  it('a highlight merged with the band is missed by the soft-rim test but shows as a solid core', () => {
    const g = glareStats(
      lumaImage(w, h, (x, y) => Math.min(255, band(x, y) + highlight(x, y) * 3)),
      w,
      h,
    );
    assert.equal(g.ratio, 0, 'merged blob has the band’s hard rim');
    assert.ok(g.solidCore >= 10, `core ${g.solidCore}`);
  });

  it('respects the mask and region', () => {
    const img = lumaImage(w, h, (x, y) => Math.min(255, band(x, y) + highlight(x, y) * 3));
    assert.equal(glareStats(img, w, h, { region: { x: 0, y: 0, width: 30, height: 30 } }).solidCore, 0);
    const mask = new Uint8Array(w * h);
    assert.equal(glareStats(img, w, h, { mask }).solidCore, 0);
  });
});

describe('assessDocumentFrame on card backs and overflowing pages', () => {
  it('flags a highlight running into the MRZ band or barcode margin of a card back as GLARE', async () => {
    const { back, td1 } = await specimenDocs();
    const cases: Array<[string, typeof td1, SceneOptions]> = [
      [
        'td1',
        td1,
        { seed: 71, background: 'plain', centerX: 0.52, centerY: 0.49, rotationDeg: -7.8, scale: 0.69 },
      ],
      [
        'td1',
        td1,
        { seed: 72, background: 'desk', centerX: 0.53, centerY: 0.5, rotationDeg: -6.5, scale: 0.77 },
      ],
      [
        'us-dl',
        back,
        { seed: 42, background: 'noise', centerX: 0.47, centerY: 0.48, rotationDeg: -3, scale: 0.72 },
      ],
    ];
    const spots = [
      { x: 0.42, y: 0.54 },
      { x: 0.61, y: 0.57 },
      { x: 0.42, y: 0.575 },
    ];
    for (const [i, [name, doc, scene]] of cases.entries()) {
      const clean = assessDocumentFrame(renderScene(doc, scene).image, { kind: 'id1', side: 'back' });
      assert.deepEqual(clean.issues, [], `${name} clean`);
      const glare = { ...spots[i]!, radius: 0.12, intensity: 1 };
      const a = assessDocumentFrame(renderScene(doc, { ...scene, glare }).image, {
        kind: 'id1',
        side: 'back',
      });
      assert.deepEqual(a.issues, ['GLARE'], `${name} with glare`);
    }
  });

  it('reports a passport page overflowing the frame left and right as DOCUMENT_TOO_CLOSE', async () => {
    const { passport } = await specimenDocs();
    const scenes: SceneOptions[] = [
      { seed: 117, background: 'wood', rotationDeg: 0.5, scale: 1.03 },
      { seed: 118, background: 'noise', rotationDeg: 1.5, scale: 1.01 },
      { seed: 119, background: 'plain', rotationDeg: 1.9, scale: 1.03 },
    ];
    for (const scene of scenes) {
      const { image } = renderScene(passport, { centerX: 0.5, centerY: 0.5, ...scene });
      const a = assessDocumentFrame(image, { kind: 'passport' });
      assert.equal(a.issues[0], 'DOCUMENT_TOO_CLOSE', `${JSON.stringify(scene)}: [${a.issues.join(', ')}]`);
      assert.ok(!a.issues.includes('DOCUMENT_TOO_FAR'));
    }
  });
});
