/**
 * A scripted camera for browser tests: replaces `navigator.mediaDevices.getUserMedia` and `enumerateDevices` with
 * a canvas `captureStream()` whose every frame the test draws, so real capture code (camera controller, frame
 * loop, analysis) sees exactly the scene the test wants: a card sliding in, blur, glare, a face moving, an error.
 *
 * @example
 *   const camera = installScriptedCamera({ draw: (ctx) => { ctx.fillStyle = 'red'; ctx.fillRect(0, 0, 640, 480); } });
 *   const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
 *   camera.setDraw((ctx, frame) => { … });   // change the scene
 *   camera.uninstall();                       // stop tracks, restore the real getUserMedia
 */

export type ScriptedCameraError =
  | 'NotAllowedError'
  | 'NotFoundError'
  | 'NotReadableError'
  | 'OverconstrainedError';

export interface ScriptedDevice {
  deviceId: string;
  label: string;
  facing?: 'user' | 'environment';
}

/** Draws frame `frame` (0-based, counted since install) at `timeMs` since install, for the active `device`. */
export type ScriptedDraw = (
  ctx: CanvasRenderingContext2D,
  frame: number,
  timeMs: number,
  device: ScriptedDevice,
) => void;

export interface ScriptedCameraOptions {
  /** Frame size (default 640 × 480). */
  width?: number;
  height?: number;
  /** Frames drawn per second (default 30). */
  fps?: number;
  draw: ScriptedDraw;
  /** Cameras to offer (default: one user-facing camera). */
  devices?: ScriptedDevice[];
  /** Make getUserMedia reject with a DOMException of this name. */
  failWith?: ScriptedCameraError;
}

export interface ScriptedCamera {
  setDraw(fn: ScriptedDraw): void;
  /** Stops drawing and ends every track handed out so far. */
  stop(): void;
  framesDrawn(): number;
  /** stop() and restore the browser's own getUserMedia / enumerateDevices. */
  uninstall(): void;
  /** Change or clear the simulated failure for the next getUserMedia calls (e.g. deny, then allow). */
  setFailWith(name: ScriptedCameraError | undefined): void;
  /** The device of the last successful getUserMedia. */
  activeDevice(): ScriptedDevice | undefined;
  /** How many times getUserMedia was called (successful or not). */
  requests(): number;
}

const DEFAULT_DEVICES: ScriptedDevice[] = [
  { deviceId: 'scripted-camera-user', label: 'Scripted camera', facing: 'user' },
];

type StringConstraint = ConstrainDOMString | undefined;

/** Splits a ConstrainDOMString into required (`exact`) and preferred (`ideal` or bare) values. */
function constraintValues(c: StringConstraint): { exact?: string[]; ideal?: string[] } {
  if (c === undefined) return {};
  const list = (v: string | string[] | undefined) =>
    v === undefined ? undefined : Array.isArray(v) ? v : [v];
  if (typeof c === 'string' || Array.isArray(c)) return { ideal: list(c) };
  return { exact: list(c.exact), ideal: list(c.ideal) };
}

function overconstrained(constraint: string): DOMException {
  // Chromium's OverconstrainedError is its own class; a DOMException with the same name is what code checks.
  const error = new DOMException(`Cannot satisfy constraint ${constraint}`, 'OverconstrainedError');
  Object.defineProperty(error, 'constraint', { value: constraint });
  return error;
}

/** Picks a device the way a browser would: `exact` filters (or fails), `ideal` prefers. */
function chooseDevice(devices: ScriptedDevice[], video: MediaTrackConstraints): ScriptedDevice {
  const id = constraintValues(video.deviceId);
  const facing = constraintValues(video.facingMode);
  let candidates = devices;
  if (id.exact) {
    candidates = candidates.filter((d) => id.exact!.includes(d.deviceId));
    if (candidates.length === 0) throw overconstrained('deviceId');
  }
  if (facing.exact) {
    candidates = candidates.filter((d) => d.facing !== undefined && facing.exact!.includes(d.facing));
    if (candidates.length === 0) throw overconstrained('facingMode');
  }
  const preferred =
    candidates.find((d) => id.ideal?.includes(d.deviceId)) ??
    candidates.find((d) => d.facing !== undefined && facing.ideal?.includes(d.facing));
  return preferred ?? candidates[0]!;
}

export function installScriptedCamera(opts: ScriptedCameraOptions): ScriptedCamera {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const fps = opts.fps ?? 30;
  const devices = opts.devices ?? DEFAULT_DEVICES;
  if (devices.length === 0) {
    throw Object.assign(new Error('installScriptedCamera needs at least one device'), {
      code: 'SCRIPTED_CAMERA_NO_DEVICES',
    });
  }
  let draw = opts.draw;
  let failWith = opts.failWith;
  let frames = 0;
  let requestCount = 0;
  let active: ScriptedDevice | undefined;
  const tracks: MediaStreamTrack[] = [];
  const started = performance.now();

  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;

  const renderFrame = () => {
    draw(ctx, frames, performance.now() - started, active ?? devices[0]!);
    frames++;
    // With captureStream(0) a frame is emitted only when asked: exactly one per drawn scene.
    for (const t of tracks)
      if (t.readyState === 'live') (t as CanvasCaptureMediaStreamTrack).requestFrame?.();
  };
  renderFrame();
  const timer = setInterval(renderFrame, 1000 / fps);

  const mediaDevices = navigator.mediaDevices;
  const hadOwnGum = Object.hasOwn(mediaDevices, 'getUserMedia');
  const hadOwnEnum = Object.hasOwn(mediaDevices, 'enumerateDevices');
  const originalGum = mediaDevices.getUserMedia;
  const originalEnum = mediaDevices.enumerateDevices;

  const getUserMedia = async (constraints?: MediaStreamConstraints): Promise<MediaStream> => {
    requestCount++;
    if (!constraints || (!constraints.video && !constraints.audio)) {
      throw new TypeError(
        "Failed to execute 'getUserMedia': At least one of audio and video must be requested",
      );
    }
    if (failWith) throw new DOMException(`Scripted camera: ${failWith}`, failWith);
    if (constraints.audio) throw new DOMException('Scripted camera has no microphone', 'NotFoundError');
    const video = constraints.video === true ? {} : (constraints.video as MediaTrackConstraints);
    const device = chooseDevice(devices, video);
    active = device;
    const stream = canvas.captureStream(0);
    const track = stream.getVideoTracks()[0]!;
    const settings = track.getSettings.bind(track);
    Object.defineProperty(track, 'label', { value: device.label });
    track.getSettings = () => ({
      ...settings(),
      width,
      height,
      frameRate: fps,
      deviceId: device.deviceId,
      groupId: `group-${device.deviceId}`,
      ...(device.facing ? { facingMode: device.facing } : {}),
    });
    track.getCapabilities = () => ({
      deviceId: device.deviceId,
      groupId: `group-${device.deviceId}`,
      width: { min: 1, max: width },
      height: { min: 1, max: height },
      frameRate: { min: 1, max: fps },
      ...(device.facing ? { facingMode: [device.facing] } : {}),
    });
    tracks.push(track);
    (track as CanvasCaptureMediaStreamTrack).requestFrame?.();
    return stream;
  };

  const enumerateDevices = async (): Promise<MediaDeviceInfo[]> =>
    devices.map((d) => {
      const info = {
        deviceId: d.deviceId,
        groupId: `group-${d.deviceId}`,
        kind: 'videoinput' as const,
        label: d.label,
      };
      return { ...info, toJSON: () => info } as MediaDeviceInfo;
    });

  Object.defineProperty(mediaDevices, 'getUserMedia', {
    value: getUserMedia,
    configurable: true,
    writable: true,
  });
  Object.defineProperty(mediaDevices, 'enumerateDevices', {
    value: enumerateDevices,
    configurable: true,
    writable: true,
  });

  let stopped = false;
  const stop = () => {
    if (!stopped) clearInterval(timer);
    stopped = true;
    for (const t of tracks) t.stop();
  };

  return {
    setDraw(fn) {
      draw = fn;
      if (!stopped) renderFrame();
    },
    stop,
    framesDrawn: () => frames,
    uninstall() {
      stop();
      if (hadOwnGum)
        Object.defineProperty(mediaDevices, 'getUserMedia', {
          value: originalGum,
          configurable: true,
          writable: true,
        });
      else delete (mediaDevices as Partial<MediaDevices>).getUserMedia;
      if (hadOwnEnum) {
        Object.defineProperty(mediaDevices, 'enumerateDevices', {
          value: originalEnum,
          configurable: true,
          writable: true,
        });
      } else delete (mediaDevices as Partial<MediaDevices>).enumerateDevices;
    },
    setFailWith(name) {
      failWith = name;
    },
    activeDevice: () => active,
    requests: () => requestCount,
  };
}

/** Fetches an image (e.g. `/test/fixtures/generated/id-front.png`) as an ImageBitmap for `ctx.drawImage`. */
export async function loadImageBitmap(url: string): Promise<ImageBitmap> {
  const response = await fetch(url);
  if (!response.ok) {
    throw Object.assign(new Error(`cannot load ${url}: HTTP ${response.status}`), {
      code: 'SCRIPTED_CAMERA_IMAGE_LOAD',
    });
  }
  return createImageBitmap(await response.blob());
}
