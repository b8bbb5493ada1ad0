import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Camera, type CameraInfo, type CameraStartOptions } from './camera.js';
import { type CameraError, toCameraError } from './camera-error.js';

export type CameraState =
  | { status: 'idle' }
  | { status: 'starting' }
  | { status: 'live'; info: CameraInfo }
  | { status: 'paused' }
  | { status: 'error'; error: CameraError };

/**
 * Lit controller around {@link Camera}: stops the tracks when the host disconnects and while the tab is hidden
 * (the camera light goes off), and restarts with the same options when the tab is visible again.
 */
export class CameraController implements ReactiveController {
  state: CameraState = { status: 'idle' };
  readonly camera: Camera;
  private options: CameraStartOptions | undefined;
  private video: HTMLVideoElement | undefined;
  private readonly onVisibility = () => void this.handleVisibility();

  constructor(
    private readonly host: ReactiveControllerHost,
    camera?: Camera,
  ) {
    this.camera = camera ?? new Camera();
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.stop();
  }

  async start(video: HTMLVideoElement, options: CameraStartOptions): Promise<CameraState> {
    this.video = video;
    this.options = options;
    this.set({ status: 'starting' });
    try {
      const info = await this.camera.start(video, options);
      this.set({ status: 'live', info });
    } catch (err) {
      this.set({ status: 'error', error: toCameraError(err) });
    }
    return this.state;
  }

  async switchTo(deviceId: string): Promise<CameraState> {
    if (!this.video || !this.options) return this.state;
    return this.start(this.video, { ...this.options, deviceId });
  }

  stop(): void {
    this.camera.stop();
    this.options = undefined;
    this.set({ status: 'idle' });
  }

  private async handleVisibility(): Promise<void> {
    if (document.visibilityState === 'hidden' && this.state.status === 'live') {
      this.camera.stop();
      this.set({ status: 'paused' });
    } else if (
      document.visibilityState === 'visible' &&
      this.state.status === 'paused' &&
      this.video &&
      this.options
    ) {
      await this.start(this.video, this.options);
    }
  }

  private set(state: CameraState): void {
    this.state = state;
    this.host.requestUpdate();
  }
}
