/**
 * One verdict for live capture and review (issue #13, item 7): the final check of an auto-capture is the last step
 * of the live check, so a frame that fails it goes back to live capture instead of to a refusing review screen;
 * after the retake cap the refused photo on the review screen is the one accepted, flagged.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { AutoCapture, type Captured } from '../../../src/capture/auto-capture.js';

interface Verdict {
  ok: boolean;
  score: number;
  issues: string[];
}

async function liveVideo(): Promise<{ video: HTMLVideoElement; stop: () => void }> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = stream;
  document.body.append(video);
  await video.play();
  return {
    video,
    stop: () => {
      for (const t of stream.getTracks()) t.stop();
      video.remove();
    },
  };
}

/** Every live frame passes; the final checks give the scripted verdicts in turn (then pass). */
class ScriptedCapture extends AutoCapture<Verdict> {
  stillChecks = 0;
  constructor(
    options: ConstructorParameters<typeof AutoCapture<Verdict>>[0],
    private readonly stills: Verdict[],
  ) {
    super(options, 0.9);
  }
  protected override async assessFrame(): Promise<{ result: Verdict; passing: boolean }> {
    return { result: { ok: true, score: 0.9, issues: [] }, passing: true };
  }
  protected override async assessStill(): Promise<Verdict> {
    return this.stills[this.stillChecks++] ?? { ok: true, score: 0.9, issues: [] };
  }
}

describe('AutoCapture: one verdict for live and review', () => {
  it('goes back to live capture when the final check of an auto-capture fails, and shows why', async () => {
    const { video, stop } = await liveVideo();
    const feedback: Verdict[] = [];
    const captured: Array<Captured<Verdict>> = [];
    const capture = new ScriptedCapture(
      {
        video,
        requiredConsecutive: 2,
        maxFps: 30,
        onFeedback: (r) => feedback.push(r),
        onCaptured: (c) => captured.push(c),
      },
      [{ ok: false, score: 0.2, issues: ['NO_FACE_ON_DOCUMENT'] }],
    );
    try {
      capture.start();
      await waitUntil(() => captured.length > 0, 'auto-capture', { timeout: 20_000 });
      // The refused final check never reached the review screen: it was live feedback, then capture went on.
      expect(capture.stillChecks).to.equal(2);
      expect(captured).to.have.length(1);
      expect(captured[0]!.assessment.ok).to.equal(true);
      expect(captured[0]!.method).to.equal('auto');
      expect(feedback.some((f) => f.issues[0] === 'NO_FACE_ON_DOCUMENT')).to.equal(true);
    } finally {
      capture.stop();
      stop();
    }
  });

  it('after the retake cap accepts the refused photo on the review screen, flagged', async () => {
    const { video, stop } = await liveVideo();
    const refused: Verdict = { ok: false, score: 0.1, issues: ['GLARE'] };
    const captured: Array<Captured<Verdict>> = [];
    const capture = new ScriptedCapture({ video, maxAttempts: 2, onCaptured: (c) => captured.push(c) }, [
      refused,
      refused,
      { ...refused, score: 0.05 },
    ]);
    try {
      const first = await capture.captureManual();
      expect(first.assessment.ok).to.equal(false);
      expect(capture.canAcceptFlagged).to.equal(false);
      expect(capture.acceptFlagged(first)).to.equal(undefined);
      capture.retake();
      await capture.captureManual();
      capture.retake();
      // The worst-scoring of the three is on screen: that is the one the user chooses.
      const onScreen = await capture.captureManual();
      expect(capture.canAcceptFlagged).to.equal(true);
      const accepted = capture.acceptFlagged(onScreen)!;
      expect(accepted.flagged).to.equal(true);
      expect(accepted.blob).to.equal(onScreen.blob);
      expect(accepted.attempt).to.equal(3);
      expect(captured.at(-1)).to.equal(accepted);
    } finally {
      capture.stop();
      stop();
    }
  });
});
