/**
 * Chromium's file-backed fake camera plays our generated astronaut video: getUserMedia in a real page returns
 * its frames (not Chromium's built-in test pattern), and they advance over time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import {
  ASTRONAUT_PAN_MJPEG,
  ASTRONAUT_PAN_Y4M,
  CAMERA_VIDEO,
  makeFixtures,
} from '../../scripts/make-fixtures.js';
import { guardRequests, launchChromium } from '../support/browser.js';

/** 8 × 6 grid of mean RGB over 80 × 60 px blocks of a 640 × 480 frame: a signature robust to codec noise. */
const GRID = { cols: 8, rows: 6 } as const;

function blockSignature(rgba: ArrayLike<number>, width: number, height: number, channels: 3 | 4): number[] {
  const bw = width / GRID.cols;
  const bh = height / GRID.rows;
  const sig: number[] = [];
  for (let gy = 0; gy < GRID.rows; gy++) {
    for (let gx = 0; gx < GRID.cols; gx++) {
      const sum = [0, 0, 0];
      for (let y = gy * bh; y < (gy + 1) * bh; y++) {
        for (let x = gx * bw; x < (gx + 1) * bw; x++) {
          const i = (y * width + x) * channels;
          sum[0] += rgba[i]!;
          sum[1] += rgba[i + 1]!;
          sum[2] += rgba[i + 2]!;
        }
      }
      sig.push(...sum.map((s) => s / (bw * bh)));
    }
  }
  return sig;
}

const distance = (a: number[], b: number[]) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

/** The same signature computed in the page (the function is serialised into it). */
const PAGE = `<!doctype html><meta charset="utf-8"><title>fake camera</title>
<video id="v" muted playsinline></video>
<script>
  const blockSignature = ${blockSignature.toString()};
  const GRID = ${JSON.stringify(GRID)};
  const video = document.getElementById('v');
  window.startCamera = async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    video.srcObject = stream;
    await video.play();
    while (video.videoWidth === 0) await new Promise((r) => setTimeout(r, 20));
    const s = stream.getVideoTracks()[0].getSettings();
    return { width: s.width, height: s.height, videoWidth: video.videoWidth, videoHeight: video.videoHeight };
  };
  window.grab = () =>
    new Promise((resolve) =>
      video.requestVideoFrameCallback((_now, meta) => {
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const ctx = canvas.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(video, 0, 0);
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        resolve({ signature: blockSignature(data, canvas.width, canvas.height, 4), presentedFrames: meta.presentedFrames });
      }),
    );
</script>`;

/** Signatures of every frame of the source video, decoded by ffmpeg. */
function sourceSignatures(file: string): number[][] {
  const { width, height } = CAMERA_VIDEO;
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const frameBytes = width * height * 3;
  const out: number[][] = [];
  for (let off = 0; off + frameBytes <= raw.length; off += frameBytes) {
    out.push(blockSignature(raw.subarray(off, off + frameBytes), width, height, 3));
  }
  return out;
}

function nearest(sig: number[], sources: number[][]): { index: number; distance: number } {
  let best = { index: -1, distance: Number.POSITIVE_INFINITY };
  sources.forEach((s, index) => {
    const d = distance(sig, s);
    if (d < best.distance) best = { index, distance: d };
  });
  return best;
}

interface Grab {
  signature: number[];
  presentedFrames: number;
}

async function openCamera(browser: Browser, url: string) {
  const context = await browser.newContext();
  const guard = await guardRequests(context);
  const page: Page = await context.newPage();
  await page.goto(url);
  const settings = await page.evaluate(() =>
    (window as unknown as { startCamera(): Promise<unknown> }).startCamera(),
  );
  const grab = () => page.evaluate(() => (window as unknown as { grab(): Promise<Grab> }).grab());
  return { context, guard, page, settings, grab };
}

describe('Chromium fake camera from a file', () => {
  let server: Server;
  let url: string;
  let sources: number[][];
  const browsers: Browser[] = [];
  let patternSignature: number[] | undefined;

  before(async () => {
    // Usually a no-op (the orchestrator ran `npm run fixtures`); generates or refreshes the videos when needed.
    await makeFixtures({ log: () => {} });
    sources = sourceSignatures(ASTRONAUT_PAN_MJPEG);
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('the source video has the frames we expect (640×480, 15 fps, ~3 s, panning)', () => {
    assert.equal(sources.length, CAMERA_VIDEO.fps * CAMERA_VIDEO.seconds);
    assert.ok(distance(sources[0]!, sources.at(-1)!) > 10, 'first and last frames differ (the pan moves)');
  });

  async function builtInPattern(): Promise<number[]> {
    if (!patternSignature) {
      const browser = await launchChromium();
      browsers.push(browser);
      const cam = await openCamera(browser, url);
      patternSignature = (await cam.grab()).signature;
      assert.deepEqual(cam.guard.thirdParty, []);
      await cam.context.close();
    }
    return patternSignature;
  }

  for (const [name, file] of [
    ['mjpeg', ASTRONAUT_PAN_MJPEG],
    ['y4m', ASTRONAUT_PAN_Y4M],
  ] as const) {
    it(`getUserMedia plays the astronaut ${name} video, not the built-in pattern, and frames advance`, async (t) => {
      if (name === 'y4m' && !existsSync(file)) {
        // make-fixtures writes the y4m only while it stays under 30 MB; nothing to check without it.
        t.diagnostic('no y4m generated');
        return;
      }
      const browser = await launchChromium({ args: [`--use-file-for-fake-video-capture=${file}`] });
      browsers.push(browser);
      const cam = await openCamera(browser, url);
      assert.deepEqual(cam.settings, { width: 640, height: 480, videoWidth: 640, videoHeight: 480 });

      const first = await cam.grab();
      const matchFirst = nearest(first.signature, sources);
      // Wait until the pan has visibly moved on (the file loops, so compare with the source, not with time).
      let later = first;
      let matchLater = matchFirst;
      for (let i = 0; i < 40 && matchLater.index === matchFirst.index; i++) {
        await cam.page.waitForTimeout(100);
        later = await cam.grab();
        matchLater = nearest(later.signature, sources);
      }
      const pattern = await builtInPattern();
      const patternMatch = nearest(pattern, sources);
      t.diagnostic(
        `nearest source frames ${matchFirst.index} (d=${matchFirst.distance.toFixed(2)}) → ${matchLater.index} ` +
          `(d=${matchLater.distance.toFixed(2)}); built-in pattern d=${patternMatch.distance.toFixed(2)}`,
      );
      // Chromium's decode path shifts colours a little (≈ 7 levels for the mjpeg); the built-in pattern is ≈ 100 away.
      assert.ok(
        matchFirst.distance < 20,
        `captured frame matches a source frame (distance ${matchFirst.distance})`,
      );
      assert.ok(
        matchLater.distance < 20,
        `later frame matches a source frame (distance ${matchLater.distance})`,
      );
      assert.ok(
        patternMatch.distance > 3 * Math.max(matchFirst.distance, matchLater.distance, 5),
        `built-in pattern is far from the video (${patternMatch.distance} vs ${matchFirst.distance})`,
      );
      assert.ok(distance(first.signature, pattern) > 20, 'captured frame is not the built-in pattern');
      assert.notEqual(matchLater.index, matchFirst.index, 'the video advances');
      assert.ok(later.presentedFrames > first.presentedFrames, 'video frames are presented over time');
      assert.deepEqual(cam.guard.thirdParty, []);
      await cam.context.close();
    });
  }
});
