import { expect } from '@open-wc/testing';
import { Camera, cameraConstraints } from '../../../src/capture/camera.js';
import { CameraError, toCameraError } from '../../../src/capture/camera-error.js';

function fakeMediaDevices(getUserMedia: () => Promise<MediaStream>): MediaDevices {
  return { getUserMedia, enumerateDevices: async () => [] } as unknown as MediaDevices;
}

describe('Camera', () => {
  let camera: Camera;
  let video: HTMLVideoElement;

  beforeEach(() => {
    camera = new Camera();
    video = document.createElement('video');
    document.body.append(video);
  });

  afterEach(() => {
    camera.stop();
    video.remove();
  });

  it('starts Chromium’s fake device, plays it and stops the track', async () => {
    const info = await camera.start(video, { purpose: 'document' });
    expect(info.width).to.be.greaterThan(0);
    expect(info.height).to.be.greaterThan(0);
    expect(camera.active).to.equal(true);
    const track = camera.track!;
    expect(track.readyState).to.equal('live');
    camera.stop();
    expect(track.readyState).to.equal('ended');
    expect(camera.active).to.equal(false);
    expect(video.srcObject).to.equal(null);
  });

  it('lists the fake device as a video input', async () => {
    await camera.start(video, { purpose: 'selfie' });
    const devices = await camera.listDevices();
    expect(devices.length).to.be.greaterThan(0);
    expect(devices.every((d) => d.kind === 'videoinput')).to.equal(true);
  });

  it('asks for the rear camera at 1920×1080 for documents and the front camera for selfies', () => {
    const doc = cameraConstraints({ purpose: 'document' }).video as MediaTrackConstraints;
    expect(doc.facingMode).to.deep.equal({ ideal: 'environment' });
    expect(doc.width).to.deep.equal({ ideal: 1920 });
    const selfie = cameraConstraints({ purpose: 'selfie' }).video as MediaTrackConstraints;
    expect(selfie.facingMode).to.deep.equal({ ideal: 'user' });
    const chosen = cameraConstraints({ purpose: 'selfie', deviceId: 'abc' }).video as MediaTrackConstraints;
    expect(chosen.deviceId).to.deep.equal({ exact: 'abc' });
    expect(chosen.facingMode).to.equal(undefined);
  });

  it('refuses an insecure context with INSECURE_CONTEXT before asking for the camera', async () => {
    let asked = false;
    const insecure = new Camera({
      isSecureContext: false,
      mediaDevices: fakeMediaDevices(async () => {
        asked = true;
        throw new Error('unreachable');
      }),
    });
    const err = await insecure.start(video, { purpose: 'document' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CameraError);
    expect((err as CameraError).code).to.equal('INSECURE_CONTEXT');
    expect(asked).to.equal(false);
  });

  const cases: Array<[string, string]> = [
    ['NotAllowedError', 'CAMERA_DENIED'],
    ['NotFoundError', 'CAMERA_NOT_FOUND'],
    ['NotReadableError', 'CAMERA_IN_USE'],
    ['OverconstrainedError', 'CAMERA_OVERCONSTRAINED'],
    ['AbortError', 'CAMERA_ABORTED'],
    ['TypeError', 'CAMERA_UNSUPPORTED'],
  ];
  for (const [name, code] of cases) {
    it(`maps ${name} from getUserMedia to ${code}`, async () => {
      const failing = new Camera({
        isSecureContext: true,
        mediaDevices: fakeMediaDevices(async () => {
          throw new DOMException('no', name);
        }),
      });
      const err = await failing.start(video, { purpose: 'selfie' }).catch((e: unknown) => e);
      expect((err as CameraError).code).to.equal(code);
      expect((err as CameraError).cause).to.be.instanceOf(DOMException);
    });
  }

  it('reports a browser without mediaDevices as CAMERA_UNSUPPORTED', async () => {
    const none = new Camera({ isSecureContext: true });
    const err = await none.start(video, { purpose: 'selfie' }).catch((e: unknown) => e);
    expect((err as CameraError).code).to.equal('CAMERA_UNSUPPORTED');
    expect(toCameraError(err)).to.equal(err);
  });
});
