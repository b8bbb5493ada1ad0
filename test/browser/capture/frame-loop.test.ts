import { expect, waitUntil } from '@open-wc/testing';
import { FrameLoop } from '../../../src/capture/frame-loop.js';

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

class FakeVisibility extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  set(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

describe('FrameLoop', () => {
  it('hands decoded frames to the analyser, never more than one in flight', async () => {
    const { video, stop } = await liveVideo();
    let inFlight = 0;
    let maxInFlight = 0;
    const ids: number[] = [];
    const loop = new FrameLoop({
      video,
      maxFps: 60,
      analyse: async (_v, frame) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        ids.push(frame.id);
        // slower than the camera's frame interval, so frames arrive while one is being analysed
        await new Promise((r) => setTimeout(r, 120));
        inFlight--;
      },
    });
    loop.start();
    await waitUntil(() => loop.stats.analysed >= 4 && loop.stats.skippedBusy > 0, 'frames analysed', {
      timeout: 20_000,
    });
    loop.stop();
    stop();
    expect(maxInFlight).to.equal(1);
    expect(ids.slice(0, 4)).to.deep.equal([0, 1, 2, 3]);
  });

  it('spaces analyses by at least 1/maxFps of frame time', async () => {
    const { video, stop } = await liveVideo();
    const starts: number[] = [];
    const loop = new FrameLoop({
      video,
      maxFps: 5,
      analyse: async () => {
        starts.push(performance.now());
      },
    });
    loop.start();
    await waitUntil(() => starts.length >= 4, 'analyses', { timeout: 20_000 });
    loop.stop();
    stop();
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).to.be.at.least(190);
  });

  it('pauses while the page is hidden and resumes when visible', async () => {
    const { video, stop } = await liveVideo();
    const doc = new FakeVisibility();
    doc.visibilityState = 'hidden';
    let calls = 0;
    const loop = new FrameLoop({
      video,
      maxFps: 30,
      doc: doc as unknown as Document,
      analyse: async () => {
        calls++;
      },
    });
    loop.start();
    // let several camera frames pass: nothing may be analysed while hidden
    await new Promise((r) => setTimeout(r, 400));
    expect(calls).to.equal(0);
    doc.set('visible');
    await waitUntil(() => calls > 2, 'analysis resumed', { timeout: 20_000 });
    loop.stop();
    stop();
  });

  it('ends the loop on a fatal analyser error and reports it', async () => {
    const { video, stop } = await liveVideo();
    let reported: unknown;
    const loop = new FrameLoop({
      video,
      analyse: async () => {
        throw new Error('worker crashed');
      },
      onError: (err) => {
        reported = err;
      },
    });
    loop.start();
    await waitUntil(() => reported !== undefined, 'error reported', { timeout: 20_000 });
    expect(loop.isRunning).to.equal(false);
    expect((reported as Error).message).to.equal('worker crashed');
    stop();
  });
});
