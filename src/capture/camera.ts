import { CameraError, toCameraError } from './camera-error.js';

/** What the camera is for: documents want the rear camera at high resolution, selfies the front one. */
export type CameraPurpose = 'document' | 'selfie';

export interface CameraStartOptions {
  purpose: CameraPurpose;
  /** A specific device from {@link Camera.listDevices}; overrides the facing mode. */
  deviceId?: string;
}

export interface CameraInfo {
  deviceId: string | undefined;
  label: string;
  width: number;
  height: number;
  facingMode: string | undefined;
  torch: boolean;
}

/** Constraints per purpose. Documents: ideal 1920×1080 so the captured still is sharp enough for MRZ / barcodes. */
export function cameraConstraints(options: CameraStartOptions): MediaStreamConstraints {
  const size =
    options.purpose === 'document'
      ? { width: { ideal: 1920 }, height: { ideal: 1080 } }
      : { width: { ideal: 1280 }, height: { ideal: 720 } };
  const device = options.deviceId
    ? { deviceId: { exact: options.deviceId } }
    : { facingMode: { ideal: options.purpose === 'document' ? 'environment' : 'user' } };
  return { audio: false, video: { ...size, ...device } };
}

/**
 * Owns one camera stream at a time: start, switch device, torch, stop. Knows nothing about analysis or UI.
 *
 * @example
 * const camera = new Camera();
 * const info = await camera.start(videoEl, { purpose: 'document' });
 * // … later
 * camera.stop();
 */
export class Camera {
  private stream: MediaStream | undefined;
  private video: HTMLVideoElement | undefined;

  constructor(
    private readonly env: { mediaDevices?: MediaDevices; isSecureContext?: boolean } = globalThis.navigator
      ? { mediaDevices: navigator.mediaDevices, isSecureContext: globalThis.isSecureContext }
      : {},
  ) {}

  get active(): boolean {
    return this.stream?.getVideoTracks().some((t) => t.readyState === 'live') ?? false;
  }

  get track(): MediaStreamTrack | undefined {
    return this.stream?.getVideoTracks()[0];
  }

  /** Throws {@link CameraError} with a code the widget can explain. */
  async start(video: HTMLVideoElement, options: CameraStartOptions): Promise<CameraInfo> {
    if (this.env.isSecureContext === false) {
      throw new CameraError('INSECURE_CONTEXT', 'The camera needs a secure (https) page');
    }
    if (!this.env.mediaDevices?.getUserMedia) {
      throw new CameraError('CAMERA_UNSUPPORTED', 'This browser cannot use a camera');
    }
    this.stop();
    let stream: MediaStream;
    try {
      stream = await this.env.mediaDevices.getUserMedia(cameraConstraints(options));
    } catch (err) {
      throw toCameraError(err);
    }
    this.stream = stream;
    this.video = video;
    video.muted = true;
    video.playsInline = true;
    video.setAttribute('playsinline', '');
    video.srcObject = stream;
    try {
      await video.play();
    } catch (err) {
      this.stop();
      throw toCameraError(err);
    }
    return this.info();
  }

  info(): CameraInfo {
    const track = this.track;
    const settings = track?.getSettings() ?? {};
    const caps = (track?.getCapabilities?.() ?? {}) as MediaTrackCapabilities & { torch?: boolean };
    return {
      deviceId: settings.deviceId,
      label: track?.label ?? '',
      width: this.video?.videoWidth || settings.width || 0,
      height: this.video?.videoHeight || settings.height || 0,
      facingMode: settings.facingMode,
      torch: caps.torch === true,
    };
  }

  /** Video inputs; labels are only filled once permission was granted. */
  async listDevices(): Promise<MediaDeviceInfo[]> {
    const devices = (await this.env.mediaDevices?.enumerateDevices()) ?? [];
    return devices.filter((d) => d.kind === 'videoinput');
  }

  async switchTo(deviceId: string, purpose: CameraPurpose): Promise<CameraInfo> {
    if (!this.video) throw new CameraError('CAMERA_ABORTED', 'The camera is not started');
    return this.start(this.video, { purpose, deviceId });
  }

  /** Turns the torch on or off when the track offers it; returns whether it is on. */
  async setTorch(on: boolean): Promise<boolean> {
    const track = this.track;
    if (!track || !this.info().torch) return false;
    await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
    return on;
  }

  stop(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = undefined;
    if (this.video) this.video.srcObject = null;
  }
}
