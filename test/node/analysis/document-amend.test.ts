import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  amendDocumentAssessment,
  assessDocumentFrame,
  type FaceObservation,
} from '../../../src/analysis/index.js';
import { renderScene } from '../../support/specimens/index.js';
import { emptyScene, specimenDocs } from './fixtures.js';

/** A detector face of 40×50 px centred on `at`. */
function faceAt(at: { x: number; y: number }): FaceObservation {
  return { box: { x: at.x - 20, y: at.y - 25, width: 40, height: 50 }, score: 0.9 };
}

describe('amendDocumentAssessment', () => {
  it('gives what a full re-assessment with the same verdicts gives, without looking at pixels again', async () => {
    const { front } = await specimenDocs();
    const { image, quad } = renderScene(front, { seed: 41, rotationDeg: 5 });
    const base = assessDocumentFrame(image, { side: 'front' });
    assert.equal(base.ok, true, `clean card: [${base.issues.join(', ')}]`);
    const centre = {
      x: (quad[0].x + quad[1].x + quad[2].x + quad[3].x) / 4,
      y: (quad[0].y + quad[1].y + quad[2].y + quad[3].y) / 4,
    };
    const cases = [
      { requireFaceOnDocument: true, faces: [faceAt(centre)] },
      { requireFaceOnDocument: true, faces: [faceAt({ x: 5, y: 5 })] },
      { requireFaceOnDocument: true, faces: [] },
      { barcodeReadable: false },
      { barcodeReadable: true },
      { requireFaceOnDocument: true, faces: [], barcodeReadable: false },
      { requireFaceOnDocument: true, faces: [], side: 'back' as const },
    ];
    for (const verdicts of cases) {
      const full = assessDocumentFrame(image, { side: 'front', ...verdicts });
      const amended = amendDocumentAssessment(base, { side: 'front', ...verdicts });
      assert.deepEqual(amended.issues, full.issues, JSON.stringify(verdicts));
      assert.equal(amended.ok, full.ok);
      assert.equal(amended.score, full.score);
      assert.deepEqual(amended.quad, full.quad);
    }
    // The input assessment is left as it was.
    assert.deepEqual(base.issues, []);
  });

  it('adds nothing when there is no card to judge', async () => {
    const { front } = await specimenDocs();
    const none = assessDocumentFrame(emptyScene(front, { seed: 4, background: 'desk' }));
    const amended = amendDocumentAssessment(none, {
      requireFaceOnDocument: true,
      faces: [],
      barcodeReadable: false,
    });
    assert.deepEqual(amended.issues, ['NO_DOCUMENT']);
    assert.equal(amended.score, 0);
  });
});
