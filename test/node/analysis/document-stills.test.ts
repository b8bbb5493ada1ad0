/**
 * The outline search on stills, as the server runs it on stored photos and scans: a document nearly filling the
 * image, a flatbed scan (the card on white, or cropped to the card so its boundary is the image border), a photo
 * where the card is cut off; the kind guessed from the outline; rectification to an upright RGBA image.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findDocumentQuad,
  guessDocumentKind,
  type Quad,
  rectifyQuadRgba,
  uprightQuad,
} from '../../../src/analysis/index.js';
import { designedDocument, idCardFront, passportPage, renderScene } from '../../support/specimens/index.js';
import { quadDiagonal, quadError } from './fixtures.js';

describe('findDocumentQuad on stills', () => {
  it('finds a card that nearly fills a 1400 px photo, and guesses ID-1 from its shape', async () => {
    const front = await idCardFront();
    const { image, quad } = renderScene(front, {
      width: 1400,
      height: 1050,
      seed: 3,
      background: 'wood',
      scale: 0.94,
      rotationDeg: 1.5,
      autoExposure: true,
    });
    const found = findDocumentQuad(image, { kind: 'id1' });
    assert.ok(found, 'found');
    assert.ok(quadError(found.quad, quad) < 0.02 * quadDiagonal(quad), 'corners');
    assert.equal(found.source, 'outline');
    assert.equal(found.kindGuess, 'id1');
    assert.ok(Math.abs(found.aspect - 85.6 / 53.98) < 0.05, `aspect ${found.aspect}`);
  });

  it('finds a passport page on a white flatbed and guesses a passport page', async () => {
    const page = await passportPage();
    const { image, quad } = renderScene(page, {
      width: 1600,
      height: 1200,
      seed: 4,
      background: [250, 250, 250],
      scale: 0.8,
      noise: 1,
    });
    const found = findDocumentQuad(image);
    assert.ok(found, 'found');
    assert.ok(quadError(found.quad, quad) < 0.02 * quadDiagonal(quad), 'corners');
    assert.equal(found.kindGuess, 'passport');
  });

  it('takes the whole image as the document when a scan is cropped to it (only when asked)', async () => {
    const card = await idCardFront({ width: 1200 });
    // Square corners: the crop runs right through the card's rounded ones.
    const image = { ...card, data: new Uint8ClampedArray(card.data) };
    for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
    assert.notEqual(findDocumentQuad(image)?.source, 'whole-image');
    const found = findDocumentQuad(image, { wholeImageFallback: true });
    assert.ok(found);
    assert.equal(found.source, 'whole-image');
    assert.equal(found.kindGuess, 'id1');
    assert.deepEqual(found.quad, [
      { x: 0, y: 0 },
      { x: card.width, y: 0 },
      { x: card.width, y: card.height },
      { x: 0, y: card.height },
    ]);
  });

  it('reports a card cut off by the photo edge as such', async () => {
    const front = await idCardFront();
    const { image } = renderScene(front, { width: 1200, height: 900, seed: 5, centerX: 0.78, scale: 0.66 });
    const found = findDocumentQuad(image, { kind: 'id1' });
    assert.ok(found);
    assert.equal(found.source, 'frame-border');
    assert.equal(found.borderSide, true);
    assert.equal(found.kindGuess, 'other');
  });

  it('guesses the format from the shape', () => {
    assert.equal(guessDocumentKind(1.586), 'id1');
    assert.equal(guessDocumentKind(1 / 1.586), 'id1');
    assert.equal(guessDocumentKind(1.42), 'passport');
    assert.equal(guessDocumentKind(1.5), 'other');
    assert.equal(guessDocumentKind(2.1), 'other');
  });
});

describe('rectifyQuadRgba + uprightQuad', () => {
  it('turns a card held sideways into an upright landscape image (up to a half turn)', async () => {
    const doc = await designedDocument(3, 'id1-front');
    for (const rotationDeg of [90, -90, 12]) {
      const { image } = renderScene(doc.image, {
        width: 1200,
        height: 1200,
        seed: 6,
        background: 'desk',
        rotationDeg,
        scale: 0.6,
        autoExposure: true,
      });
      const found = findDocumentQuad(image, { kind: 'id1' });
      assert.ok(found, `${rotationDeg}°`);
      const width = 856;
      const height = Math.round(width / found.aspect);
      const upright = rectifyQuadRgba(image, uprightQuad(found.quad), width, height)!;
      assert.equal(upright.width, width);
      assert.ok(upright.width > upright.height, 'landscape');
      // The rectified card is the design itself, the right way up or half a turn round.
      const ref = doc.image;
      let straight = 0;
      let turned = 0;
      let n = 0;
      for (let y = 0; y < height; y += 7) {
        for (let x = 0; x < width; x += 7) {
          const v = upright.data[(y * width + x) * 4 + 1]!;
          const rx = Math.floor((x / width) * ref.width);
          const ry = Math.floor((y / height) * ref.height);
          straight += Math.abs(v - ref.data[(ry * ref.width + rx) * 4 + 1]!);
          turned += Math.abs(
            v - ref.data[((ref.height - 1 - ry) * ref.width + (ref.width - 1 - rx)) * 4 + 1]!,
          );
          n++;
        }
      }
      const diff = Math.min(straight, turned) / n;
      assert.ok(diff < 30, `${rotationDeg}°: mean difference to the design ${diff.toFixed(1)}`);
    }
  });

  it('keeps a quad already upright as it is', () => {
    const q: Quad = [
      { x: 10, y: 10 },
      { x: 170, y: 14 },
      { x: 168, y: 114 },
      { x: 8, y: 110 },
    ];
    assert.deepEqual(uprightQuad(q), q);
    const sideways: Quad = [q[3], q[0], q[1], q[2]];
    assert.deepEqual(uprightQuad(sideways)[0], q[0]);
  });
});
