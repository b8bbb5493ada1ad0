import { msg, str } from '@lit/localize';
import { html, nothing, type PropertyValues, svg } from 'lit';
import type { LivenessHint } from '../../analysis/liveness-tracker.js';
import { CameraController } from '../../capture/camera-controller.js';
import {
  LivenessCapture,
  type LivenessGuidance,
  type LivenessTransport,
} from '../../capture/liveness-capture.js';
import type { LivenessAction, LivenessChallenge } from '../../shared/api/liveness.js';
import { TransportError } from '../../transport/transport-error.js';
import { analysisClientFor } from '../analysis-clients.js';
import { captureStepStyles } from '../capture-step/capture-step.styles.js';
import { errorText } from '../error-step/error-step.js';
import { StepElement } from '../step-element.js';
import { stepStyles } from '../step-styles.js';
import type { WidgetErrorCode } from '../widget-error.js';
import { livenessStepStyles } from './liveness-step.styles.js';

/** What the step needs from the session client. */
export interface LivenessStepClient extends LivenessTransport {
  requestLivenessChallenge(signal?: AbortSignal): Promise<LivenessChallenge>;
}

/**
 * `intro` (what is about to happen) → `starting` (challenge + camera) → `running` (one instruction at a time) →
 * `checking` (the server verifies) → `done`; or `retry` (try again with a new challenge), `exhausted` (no attempts
 * left: the user continues), `camera-error` (the user may try the camera again or continue without the check, which
 * the server then reports as liveness REJECTED `LIVENESS_UNDETERMINED`: nobody is stuck on a device without a camera).
 */
export type LivenessStepState =
  | 'intro'
  | 'starting'
  | 'running'
  | 'checking'
  | 'done'
  | 'retry'
  | 'exhausted'
  | 'camera-error';

/** Why the user is asked to try again. */
type RetryReason = 'timeout' | 'not-confirmed' | 'failed';

/** Answers that end the session itself: the widget's error screen takes over. */
const SESSION_ENDED: ReadonlySet<string> = new Set([
  'TOKEN_EXPIRED',
  'SESSION_EXPIRED',
  'INVALID_TOKEN',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'EXECUTION_NOT_ACTIVE',
]);

/**
 * The liveness check (DESIGN.md §5): the server issues a challenge; the step shows one instruction at a time with
 * an animated cue (still under `prefers-reduced-motion`) and an announced text, follows the user's face on the
 * device, uploads the frames at each action's peak and at the neutral poses, and shows only the server's answer:
 * done, try again (a new challenge), or "we could not confirm, you can continue". Challenge-response liveness, not
 * a certified presentation-attack detector, and the text says no more than that.
 *
 * The host carries `data-liveness-state` (see {@link LivenessStepState}) and, while a challenge runs,
 * `data-action`: `neutral` (look straight at the camera), `hold-still` (passive burst) or the current action.
 *
 * @event liveness-finished - Go on: `{status: 'DONE' | 'EXHAUSTED'}` (internal).
 * @event liveness-error - The session ended (expired, invalid token): `{error}` (internal).
 * @event camera-failed - The camera cannot be used: `{code, message}` (internal).
 * @csspart liveness-panel - The step's container.
 * @csspart viewfinder - The mirrored live video with the face oval.
 * @csspart guide - The face oval.
 * @csspart instruction - The current instruction (announced).
 * @csspart hint - Extra guidance under the instruction.
 */
export class IdvLivenessStep extends StepElement {
  static override styles = [stepStyles, captureStepStyles, livenessStepStyles];

  static override properties = {
    client: { attribute: false },
    assetBase: { attribute: false },
    stepTimeoutMs: { attribute: false },
    state: { state: true },
    guidance: { state: true },
    challenge: { state: true },
    retryReason: { state: true },
    cameraError: { state: true },
  };

  declare client: LivenessStepClient | undefined;
  declare assetBase: string;
  /** Longest time for one instruction before "try again" (default 12 s). */
  declare stepTimeoutMs: number | undefined;

  declare private state: LivenessStepState;
  declare private guidance: LivenessGuidance | undefined;
  declare private challenge: LivenessChallenge | undefined;
  declare private retryReason: RetryReason;
  declare private cameraError: WidgetErrorCode | undefined;

  private readonly camera = new CameraController(this);
  private capture: LivenessCapture | undefined;
  /** Each attempt gets a number, so the answer of an abandoned attempt is ignored. */
  private attempt = 0;

  constructor() {
    super();
    this.assetBase = '/assets/';
    this.state = 'intro';
    this.retryReason = 'timeout';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Warm the face runtime while the user reads the intro.
    void analysisClientFor(this.assetBase)
      .preloadFaces()
      .catch(() => undefined);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.attempt++;
    this.capture?.stop();
    this.camera.stop();
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    this.dataset.livenessState = this.state;
    const action = this.state === 'running' ? this.cueOf(this.guidance) : undefined;
    if (action) this.dataset.action = action;
    else delete this.dataset.action;
  }

  /** What the user is asked to do right now, as in `data-action`. */
  private cueOf(guidance: LivenessGuidance | undefined): LivenessAction | 'neutral' | 'hold-still' {
    if (!guidance) return 'neutral';
    switch (guidance.phase) {
      case 'action':
        return guidance.action ?? 'neutral';
      case 'burst':
        return 'hold-still';
      default:
        return 'neutral';
    }
  }

  private video(): HTMLVideoElement {
    return this.renderRoot.querySelector('video') as HTMLVideoElement;
  }

  /** A new challenge, the camera, then the guided run; every "try again" comes back here. */
  private async begin(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const attempt = ++this.attempt;
    this.capture?.stop();
    this.state = 'starting';
    this.guidance = undefined;
    let challenge: LivenessChallenge;
    try {
      challenge = await client.requestLivenessChallenge();
    } catch (error) {
      if (attempt === this.attempt) this.failed(error);
      return;
    }
    if (attempt !== this.attempt) return;
    this.challenge = challenge;
    await this.updateComplete;
    if (this.camera.state.status !== 'live') {
      const camera = await this.camera.start(this.video(), { purpose: 'selfie' });
      if (attempt !== this.attempt) return;
      if (camera.status === 'error') {
        this.cameraError = camera.error.code;
        this.state = 'camera-error';
        this.emit('camera-failed', { code: camera.error.code, message: camera.error.message });
        return;
      }
    }
    this.state = 'running';
    this.capture = new LivenessCapture({
      video: this.video(),
      analysis: analysisClientFor(this.assetBase),
      transport: client,
      challenge,
      stepTimeoutMs: this.stepTimeoutMs,
      onGuidance: (guidance) => {
        if (attempt !== this.attempt) return;
        this.guidance = guidance;
        if (guidance.phase === 'complete' && this.state === 'running') this.state = 'checking';
      },
    });
    try {
      const result = await this.capture.run();
      if (attempt !== this.attempt) return;
      if (result.outcome === 'timeout') this.askRetry('timeout');
      else if (result.outcome === 'answered') {
        switch (result.liveness.status) {
          case 'DONE':
            this.finish('DONE');
            break;
          case 'EXHAUSTED':
            this.exhausted();
            break;
          case 'RETRY':
            this.askRetry('not-confirmed');
            break;
        }
      }
    } catch (error) {
      if (attempt === this.attempt) this.failed(error);
    }
  }

  private failed(error: unknown): void {
    const code = error instanceof TransportError ? error.code : undefined;
    if (code === 'LIVENESS_ATTEMPTS_EXHAUSTED') this.exhausted();
    else if (code === 'LIVENESS_NOT_REQUIRED') this.finish('DONE');
    else if (code && SESSION_ENDED.has(code)) {
      this.stopCamera();
      this.emit('liveness-error', { error });
    } else this.askRetry(code === 'CHALLENGE_EXPIRED' ? 'timeout' : 'failed');
  }

  private stopCamera(): void {
    this.capture?.stop();
    this.capture = undefined;
    this.camera.stop();
  }

  private askRetry(reason: RetryReason): void {
    this.stopCamera();
    this.retryReason = reason;
    this.state = 'retry';
    void this.focusHeading();
  }

  private exhausted(): void {
    this.stopCamera();
    this.state = 'exhausted';
    void this.focusHeading();
  }

  private finish(status: 'DONE' | 'EXHAUSTED'): void {
    this.stopCamera();
    if (status === 'DONE') this.state = 'done';
    this.emit('liveness-finished', { status });
  }

  // ── text ─────────────────────────────────────────────────────────────────────────────────────────────────

  private instruction(): string {
    const guidance = this.guidance;
    if (this.state === 'checking') return msg('Checking…', { id: 'liveness.checking' });
    if (!guidance || guidance.phase === 'baseline')
      return msg('Look straight at the camera', { id: 'liveness.instruction.neutral' });
    switch (guidance.phase) {
      case 'burst':
        return msg('Hold still for a moment', { id: 'liveness.instruction.hold-still' });
      case 'return':
        return msg('Now look straight at the camera again', { id: 'liveness.instruction.return' });
      case 'complete':
        return msg('Checking…', { id: 'liveness.checking' });
      case 'action':
        return actionInstruction(guidance.action);
    }
  }

  private hintText(hint: LivenessHint | undefined): string {
    switch (hint) {
      case 'no-face':
        return msg('We cannot see your face', { id: 'liveness.hint.no-face' });
      case 'look-straight':
        return msg('Face the camera', { id: 'liveness.hint.look-straight' });
      case 'hold-still':
        return msg('Hold still', { id: 'liveness.hint.hold-still' });
      case 'wrong-direction':
        return msg('The other way', { id: 'liveness.hint.wrong-direction' });
      case 'wrong-action':
        return msg('Follow the instruction above', { id: 'liveness.hint.wrong-action' });
      case undefined:
        return '';
    }
  }

  // ── rendering ────────────────────────────────────────────────────────────────────────────────────────────

  override render() {
    const live = this.state === 'starting' || this.state === 'running' || this.state === 'checking';
    return html`
      <section part="liveness-panel" aria-labelledby="liveness-title">
        <h2 id="liveness-title" tabindex="-1" data-step-heading>${this.headingText()}</h2>
        ${this.state === 'intro' ? this.renderIntro() : nothing}
        ${this.state === 'retry' ? this.renderRetry() : nothing}
        ${this.state === 'exhausted' ? this.renderExhausted() : nothing}
        ${this.state === 'camera-error' ? this.renderCameraError() : nothing}
        ${this.state === 'done' ? html`<p role="status">${msg('Done, thank you.', { id: 'liveness.done' })}</p>` : nothing}
        ${
          // Rendered only while live: an SVG mask first laid out under display:none is never painted in Chromium.
          live ? html`<div class="stage">${this.renderViewfinder()}</div>` : nothing
        }
        ${live ? this.renderGuidance() : nothing}
      </section>
    `;
  }

  private headingText(): string {
    switch (this.state) {
      case 'retry':
        return msg('Let’s try that again', { id: 'liveness.retry.title' });
      case 'exhausted':
        return msg('We could not confirm the check', { id: 'liveness.exhausted.title' });
      default:
        return msg('Liveness check', { id: 'liveness.title' });
    }
  }

  private renderIntro() {
    return html`
      <p>
        ${msg('Show that you are here in person: follow a few short instructions on screen, such as turning your head. It takes about 20 seconds.', { id: 'liveness.intro' })}
      </p>
      <p class="fine-print">
        ${msg('This is a simple challenge-response check of your movements, not a certified anti-spoofing test.', { id: 'liveness.honesty' })}
      </p>
      <div class="actions">
        <button class="primary" part="primary-button" type="button" @click=${() => void this.begin()}>
          ${msg('Start', { id: 'liveness.start' })}
        </button>
      </div>
    `;
  }

  private renderRetry() {
    const reason =
      this.retryReason === 'timeout'
        ? msg('That took a little too long.', { id: 'liveness.retry.timeout' })
        : this.retryReason === 'not-confirmed'
          ? msg('We could not confirm the movements.', { id: 'liveness.retry.not-confirmed' })
          : msg('Something went wrong while sending the check.', { id: 'liveness.retry.failed' });
    return html`
      <p role="alert">${reason} ${msg('You will get new instructions.', { id: 'liveness.retry.new' })}</p>
      <div class="actions">
        <button class="primary" part="primary-button" type="button" @click=${() => void this.begin()}>
          ${msg('Try again', { id: 'liveness.retry' })}
        </button>
      </div>
    `;
  }

  private renderExhausted() {
    return html`
      <p>${msg('You can continue; your verification will be reviewed without it.', { id: 'liveness.exhausted.body' })}</p>
      <div class="actions">
        <button class="primary" part="primary-button" type="button" @click=${() => this.finish('EXHAUSTED')}>
          ${msg('Continue', { id: 'common.continue' })}
        </button>
      </div>
    `;
  }

  private renderCameraError() {
    const text = errorText(this.cameraError ?? 'CAMERA_UNSUPPORTED');
    return html`
      <div class="camera-error" role="alert" data-code=${this.cameraError ?? nothing}>
        <h3>${text.title}</h3>
        <p>${text.body}</p>
      </div>
      <div class="actions">
        <button class="primary" part="primary-button" type="button" @click=${() => void this.begin()}>
          ${msg('Try the camera again', { id: 'capture.camera-retry' })}
        </button>
        <button type="button" @click=${() => this.finish('EXHAUSTED')}>
          ${msg('Continue without this check', { id: 'liveness.skip-without-camera' })}
        </button>
      </div>
    `;
  }

  private renderViewfinder() {
    const cue = this.state === 'running' ? this.cueOf(this.guidance) : 'neutral';
    const progress = this.guidance?.phase === 'action' ? this.guidance.progress : 0;
    // The shade is a frame with an oval hole (even-odd fill), not an SVG mask: the masked shade of the capture
    // step is not painted in Chromium's screenshots here (a mask's url(#id) inside a shadow root).
    return html`
      <div part="viewfinder" class="viewfinder mirrored">
        <video muted playsinline autoplay aria-hidden="true"></video>
        <svg part="guide" class="guide" viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true">
          <path class="shade" fill-rule="evenodd" d="M0 0H100V100H0Z M18 46A32 32 0 1 0 82 46A32 32 0 1 0 18 46Z"></path>
          <g class="outline"><ellipse cx="50" cy="46" rx="32" ry="32"></ellipse></g>
        </svg>
        ${
          cue === 'neutral' || cue === 'hold-still'
            ? nothing
            : html`<div class="cue" data-cue=${cue} style="--progress: ${Math.round(progress * 100)}%" aria-hidden="true">
              <svg class="cue-icon" viewBox="0 0 48 48">${cueIcon(cue)}</svg>
            </div>`
        }
      </div>
    `;
  }

  private renderGuidance() {
    const actions = this.challenge?.actions ?? [];
    const step = this.guidance?.step ?? 0;
    const hint = this.state === 'running' ? this.hintText(this.guidance?.hint) : '';
    return html`
      ${
        actions.length > 1
          ? html`<ol class="progress-dots" aria-label=${msg(str`Instruction ${Math.min(step + 1, actions.length)} of ${actions.length}`, { id: 'liveness.progress' })}>
            ${actions.map(
              (_, index) =>
                html`<li class=${index < step ? 'done' : index === step && this.guidance?.phase === 'action' ? 'current' : ''}></li>`,
            )}
          </ol>`
          : nothing
      }
      <p part="instruction" class="instruction" role="status" aria-live="polite">
        ${this.state === 'starting' ? msg('Starting the camera…', { id: 'liveness.starting' }) : this.instruction()}
      </p>
      <p part="hint" class="hint">${hint}</p>
    `;
  }
}

function actionInstruction(action: LivenessAction | undefined): string {
  switch (action) {
    case 'turn-left':
      return msg('Slowly turn your head to your left', { id: 'liveness.instruction.turn-left' });
    case 'turn-right':
      return msg('Slowly turn your head to your right', { id: 'liveness.instruction.turn-right' });
    case 'look-up':
      return msg('Slowly look up', { id: 'liveness.instruction.look-up' });
    case 'move-closer':
      return msg('Move your face closer to the camera', { id: 'liveness.instruction.move-closer' });
    case 'blink':
      return msg('Blink your eyes', { id: 'liveness.instruction.blink' });
    case undefined:
      return msg('Look straight at the camera', { id: 'liveness.instruction.neutral' });
  }
}

/**
 * One icon per action. The preview is mirrored, so the user's own left is on the screen's left: the arrows point
 * the way the user sees themselves move, in every writing direction.
 */
function cueIcon(action: LivenessAction) {
  switch (action) {
    case 'turn-left':
      return svg`<path d="M30 10 L16 24 L30 38" />`;
    case 'turn-right':
      return svg`<path d="M18 10 L32 24 L18 38" />`;
    case 'look-up':
      return svg`<path d="M10 30 L24 16 L38 30" />`;
    case 'move-closer':
      return svg`<path d="M8 18 V8 H18 M30 8 H40 V18 M40 30 V40 H30 M18 40 H8 V30" />`;
    case 'blink':
      return svg`<path d="M6 24 Q24 8 42 24 Q24 40 6 24 Z" /><circle cx="24" cy="24" r="5" />`;
  }
}
