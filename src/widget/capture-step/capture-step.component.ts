import { msg } from '@lit/localize';
import { html, nothing, svg } from 'lit';
import type { DocumentFrameResult, FaceFrameResult } from '../../capture/analysis-protocol.js';
import { CameraController } from '../../capture/camera-controller.js';
import { compressImage } from '../../capture/compression.js';
import { type CapturedImage, DocumentCapture } from '../../capture/document-capture.js';
import { type CapturedFace, FaceCapture } from '../../capture/face-capture.js';
import type { DocumentType, PartClassifier } from '../../shared/api/common.js';
import { analysisClientFor } from '../analysis-clients.js';
import { errorText } from '../error-step/error-step.js';
import type { AcceptedCapture } from '../idv-capture/idv-capture.component.js';
import { StepElement } from '../step-element.js';
import { stepStyles } from '../step-styles.js';
import type { WidgetErrorCode } from '../widget-error.js';
import { captureHint } from './capture-hints.js';
import { captureStepStyles } from './capture-step.styles.js';

type Screen = 'live' | 'checking' | 'review' | 'camera-error';

/** Camera problems where another device is the obvious way out. */
const HANDOFF_CODES: ReadonlySet<WidgetErrorCode> = new Set([
  'CAMERA_NOT_FOUND',
  'CAMERA_DENIED',
  'CAMERA_UNSUPPORTED',
  'CAMERA_IN_USE',
]);

/** Longest wait for the checks of one still (the face runtime may still be downloading on a slow line). */
const CHECK_TIMEOUT_MS = 45_000;
type Captured = CapturedImage | CapturedFace;
type CaptureEngine = DocumentCapture | FaceCapture;

type GuideShape =
  | { kind: 'oval'; cx: number; cy: number; r: number }
  | { kind: 'rect'; x: number; y: number; width: number; height: number; r: number };

/** The guide's outline as an SVG path (viewBox units), for the hole in the shade. */
function guideOutlinePath(shape: GuideShape): string {
  if (shape.kind === 'oval') {
    const { cx, cy, r } = shape;
    return `M${cx - r} ${cy}A${r} ${r} 0 1 0 ${cx + r} ${cy}A${r} ${r} 0 1 0 ${cx - r} ${cy}Z`;
  }
  const { x, y, width: w, height: h, r } = shape;
  return (
    `M${x + r} ${y}H${x + w - r}A${r} ${r} 0 0 1 ${x + w} ${y + r}V${y + h - r}` +
    `A${r} ${r} 0 0 1 ${x + w - r} ${y + h}H${x + r}A${r} ${r} 0 0 1 ${x} ${y + h - r}V${y + r}A${r} ${r} 0 0 1 ${x + r} ${y}Z`
  );
}

/** Phones and tablets: there `capture` on the file input opens the camera app directly. */
function coarsePointer(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
}

/**
 * One capture step (document front, document back or selfie): live video with a guide, the current hint in words
 * (announced politely), auto-capture, a manual shutter after a timeout, "upload a photo instead" at any time, a
 * review screen with retake / use, a camera switch when there are several cameras, and a way out when the camera
 * cannot be used.
 *
 * @event capture-accepted - The user accepted a photo, compressed for upload: `AcceptedCapture` (internal).
 * @event camera-failed - The camera cannot be used: `{code, message}` (internal); the step offers upload.
 * @event handoff-requested - The user chose "Continue on your phone" on the camera error screen (internal).
 * @csspart capture-panel - The step's container.
 * @csspart viewfinder - The video and its guide.
 * @csspart guide - The card outline or face oval.
 * @csspart hint - The live hint.
 * @csspart review-image - The photo on the review screen.
 */
export class IdvCaptureStep extends StepElement {
  static override styles = [stepStyles, captureStepStyles];

  static override properties = {
    classifier: { type: String },
    documentType: { attribute: false },
    assetBase: { attribute: false },
    manualAfterMs: { attribute: false },
    notice: { attribute: false },
    offerHandoff: { attribute: false },
    screen: { state: true },
    hint: { state: true },
    ready: { state: true },
    manualAvailable: { state: true },
    captured: { state: true },
    reviewUrl: { state: true },
    cameraError: { state: true },
    cameraCount: { state: true },
    accepting: { state: true },
    problem: { state: true },
  };

  /** The part this step captures. */
  declare classifier: PartClassifier;
  declare documentType: DocumentType | undefined;
  declare assetBase: string;
  declare manualAfterMs: number | undefined;
  /** Why the user is here again (the server refused the last photo). */
  declare notice: WidgetErrorCode | undefined;
  /** Offer "Continue on your phone" when the camera cannot be used (off on the phone side of a handoff). */
  declare offerHandoff: boolean;

  declare private screen: Screen;
  declare private hint: string;
  declare private ready: boolean;
  declare private manualAvailable: boolean;
  declare private captured: Captured | undefined;
  declare private reviewUrl: string | undefined;
  declare private cameraError: WidgetErrorCode | undefined;
  declare private cameraCount: number;
  declare private accepting: boolean;
  declare private problem: string | undefined;

  private readonly camera = new CameraController(this);
  private engine: CaptureEngine | undefined;
  private lastIssue: string | undefined;
  private deviceIds: string[] = [];

  constructor() {
    super();
    this.classifier = 'FRONT';
    this.assetBase = '/assets/';
    this.screen = 'live';
    this.hint = '';
    this.ready = false;
    this.manualAvailable = false;
    this.cameraCount = 0;
    this.accepting = false;
    this.offerHandoff = false;
  }

  private get selfie(): boolean {
    return this.classifier === 'FACE';
  }

  protected override firstUpdated(): void {
    this.engine = this.createEngine();
    void this.startLive(false);
  }

  /** Camera on, then the frame loop; `retake` counts the attempt toward the retake cap. */
  private async startLive(retake: boolean): Promise<void> {
    await this.startCamera();
    this.engine?.stop();
    // A retake counts toward the cap even without a camera, so an upload-only user reaches "use anyway" too.
    if (retake) this.engine?.retake();
    else if (this.screen === 'live') this.engine?.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.engine?.stop();
    this.camera.stop();
    if (this.reviewUrl) URL.revokeObjectURL(this.reviewUrl);
  }

  private video(): HTMLVideoElement {
    return this.renderRoot.querySelector('video') as HTMLVideoElement;
  }

  private createEngine(): CaptureEngine {
    const analysis = analysisClientFor(this.assetBase);
    const common = {
      video: this.video(),
      analysis,
      manualAfterMs: this.manualAfterMs,
      onManualAvailable: () => {
        this.manualAvailable = true;
      },
      onCaptured: (capture: Captured) => this.showReview(capture),
      onError: () => {
        // A failed frame is not fatal: the manual shutter and upload stay available.
        this.manualAvailable = true;
      },
    };
    if (this.selfie) {
      void analysis.preloadFaces().catch(() => undefined);
      return new FaceCapture({ ...common, onFeedback: (result) => this.showFeedback(result) });
    }
    return new DocumentCapture({
      ...common,
      side: this.classifier === 'BACK' ? 'back' : 'front',
      kind: this.documentType === 'PASSPORT' ? 'passport' : this.documentType ? 'id1' : 'any',
      onFeedback: (result) => this.showFeedback(result),
    });
  }

  private async startCamera(): Promise<void> {
    this.screen = 'live';
    this.cameraError = undefined;
    this.ready = false;
    await this.updateComplete;
    const state = await this.camera.start(this.video(), { purpose: this.selfie ? 'selfie' : 'document' });
    if (state.status === 'error') {
      this.cameraError = state.error.code;
      this.screen = 'camera-error';
      this.emit('camera-failed', { code: state.error.code, message: state.error.message });
      return;
    }
    if (state.status !== 'live') return;
    this.deviceIds = (await this.camera.camera.listDevices()).map((device) => device.deviceId);
    this.cameraCount = this.deviceIds.length;
    this.hint = this.selfie
      ? msg('Position your face in the oval', { id: 'hint.start.face' })
      : msg('Place your document in the frame', { id: 'hint.start.document' });
  }

  private showFeedback(result: DocumentFrameResult | FaceFrameResult): void {
    const issue = result.ok ? 'OK' : (result.issues[0] ?? 'OK');
    this.ready = result.ok;
    // Announce only changes: a screen reader would otherwise repeat the hint ten times a second.
    if (issue === this.lastIssue) return;
    this.lastIssue = issue;
    this.hint = captureHint(issue, this.selfie);
  }

  private showReview(capture: Captured): void {
    // acceptFlagged() reports its capture again: the user already chose it.
    if (this.accepting) return;
    this.engine?.stop();
    this.camera.stop();
    if (this.reviewUrl) URL.revokeObjectURL(this.reviewUrl);
    this.captured = capture;
    this.reviewUrl = URL.createObjectURL(capture.blob);
    this.screen = 'review';
    void this.focusHeading();
  }

  private async shoot(): Promise<void> {
    if (!this.engine || this.screen !== 'live') return;
    this.problem = undefined;
    this.screen = 'checking';
    if (!(await this.checked(this.engine.captureManual()))) this.backFromFailedCheck();
  }

  private async takeFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file || !this.engine) return;
    this.engine.stop();
    this.camera.stop();
    this.problem = undefined;
    this.screen = 'checking';
    if (!(await this.checked(this.engine.captureFile(file)))) this.backFromFailedCheck();
  }

  /** Whether the still was checked; a dead analysis worker must not leave the user on "Checking…" forever. */
  private async checked(work: Promise<unknown>): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
    });
    try {
      return await Promise.race([work.then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private backFromFailedCheck(): void {
    this.problem = msg('We could not check that photo. Try again, or choose another one.', {
      id: 'capture.check-failed',
    });
    if (this.cameraError) this.screen = 'camera-error';
    else void this.startLive(false);
  }

  private async retake(): Promise<void> {
    this.captured = undefined;
    this.manualAvailable = false;
    this.lastIssue = undefined;
    await this.startLive(true);
  }

  /** Checks passed: this photo; after the retake cap: this photo anyway, flagged for the server. */
  private async acceptReviewed(): Promise<void> {
    const capture = this.captured;
    if (!capture || this.accepting) return;
    this.accepting = true;
    await this.use(capture.assessment.ok ? capture : this.acceptAnyway(capture));
  }

  /** The refused photo on screen, flagged (the engine records the choice; its capture types differ per step). */
  private acceptAnyway(capture: Captured): Captured {
    const engine = this.engine as { acceptFlagged(c: Captured): Captured | undefined } | undefined;
    return engine?.acceptFlagged(capture) ?? { ...capture, flagged: true };
  }

  private async use(capture: Captured): Promise<void> {
    this.accepting = true;
    let image = capture.blob;
    let width = capture.width;
    let height = capture.height;
    try {
      const compressed = await compressImage(capture.blob, this.selfie ? 'selfie' : 'document');
      ({ blob: image, width, height } = compressed);
    } catch {
      // Compression is an optimisation: the original still satisfies the server's limits in most cases.
    }
    this.accepting = false;
    this.emit<AcceptedCapture>('capture-accepted', {
      classifier: this.classifier,
      image,
      width,
      height,
      method: capture.method,
      flagged: capture.flagged,
      attempts: capture.attempt,
      qualityReasons: [...capture.assessment.issues],
    });
  }

  private async switchCamera(): Promise<void> {
    const current = this.camera.state.status === 'live' ? this.camera.state.info.deviceId : undefined;
    const next = this.deviceIds[(this.deviceIds.indexOf(current ?? '') + 1) % this.deviceIds.length];
    if (next) await this.camera.switchTo(next);
  }

  private stepTitle(): string {
    switch (this.classifier) {
      case 'FRONT':
        return msg('Front of your document', { id: 'capture.title.FRONT' });
      case 'BACK':
        return msg('Back of your document', { id: 'capture.title.BACK' });
      case 'FACE':
        return msg('Take a selfie', { id: 'capture.title.FACE' });
    }
  }

  override render() {
    return html`
      <section part="capture-panel" aria-labelledby="capture-title">
        <h2 id="capture-title" tabindex="-1" data-step-heading>
          ${this.screen === 'review' ? msg('Check your photo', { id: 'review.title' }) : this.stepTitle()}
        </h2>
        ${
          this.notice
            ? html`<p class="notice" role="alert">${errorText(this.notice).title}. ${errorText(this.notice).body}</p>`
            : nothing
        }
        ${this.problem && this.screen !== 'review' ? html`<p class="notice" role="alert">${this.problem}</p>` : nothing}
        ${this.screen === 'camera-error' ? this.renderCameraError() : nothing}
        <div class="stage" ?hidden=${this.screen === 'review' || this.screen === 'camera-error'}>
          ${this.renderViewfinder()}
        </div>
        ${this.screen === 'review' ? this.renderReview() : nothing}
        ${this.screen === 'live' || this.screen === 'checking' ? this.renderLiveActions() : nothing}
      </section>
    `;
  }

  private renderViewfinder() {
    // The viewBox is stretched over a 4:3 (documents) or 3:4 (selfie) box, so heights are scaled to keep the real
    // shapes: ID-1 card 1.586, passport page 1.42, face oval 3:4.
    const shape: GuideShape = this.selfie
      ? { kind: 'oval', cx: 50, cy: 46, r: 32 }
      : this.documentType === 'PASSPORT'
        ? { kind: 'rect', x: 10, y: 12.45, width: 80, height: 75.1, r: 2.5 }
        : { kind: 'rect', x: 10, y: 16.35, width: 80, height: 67.3, r: 3 };
    const guide =
      shape.kind === 'oval'
        ? svg`<ellipse cx=${shape.cx} cy=${shape.cy} rx=${shape.r} ry=${shape.r}></ellipse>`
        : svg`<rect x=${shape.x} y=${shape.y} width=${shape.width} height=${shape.height} rx=${shape.r}></rect>`;
    // The shade is the frame minus the guide's shape as one even-odd path: an SVG <mask> referenced by id is not
    // painted inside the shadow root in Chromium, so the darkening around the guide silently disappeared.
    return html`
      <div part="viewfinder" class="viewfinder ${this.selfie ? 'mirrored' : ''}">
        <video muted playsinline autoplay aria-hidden="true"></video>
        <svg part="guide" class="guide ${this.ready ? 'ready' : ''}" viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true">
          <path class="shade" fill-rule="evenodd" d=${`M0 0H100V100H0Z ${guideOutlinePath(shape)}`}></path>
          <g class="outline">${guide}</g>
        </svg>
      </div>
      <p part="hint" class="hint" aria-live="polite">
        ${this.screen === 'checking' ? msg('Checking the photo…', { id: 'capture.checking' }) : this.hint}
      </p>
    `;
  }

  private renderLiveActions() {
    return html`
      <div class="actions">
        ${
          this.manualAvailable
            ? html`<button class="primary" part="primary-button" type="button" ?disabled=${this.screen !== 'live'} @click=${() => void this.shoot()}>
              ${msg('Take photo', { id: 'capture.shutter' })}
            </button>`
            : nothing
        }
        ${
          this.cameraCount > 1
            ? html`<button type="button" part="secondary-button" @click=${() => void this.switchCamera()}>
              ${msg('Switch camera', { id: 'capture.switch-camera' })}
            </button>`
            : nothing
        }
        ${this.renderFileInput(false)}
      </div>
    `;
  }

  private renderFileInput(primary: boolean) {
    return html`<label class="button file ${primary ? 'primary' : ''}" part=${primary ? 'primary-button' : 'secondary-button'}>
      <input
        type="file"
        accept="image/*"
        class="visually-hidden"
        capture=${coarsePointer() ? (this.selfie ? 'user' : 'environment') : nothing}
        @change=${(e: Event) => void this.takeFile(e)}
      />
      ${msg('Upload a photo instead', { id: 'capture.upload-instead' })}
    </label>`;
  }

  private renderCameraError() {
    const code = this.cameraError ?? 'CAMERA_UNSUPPORTED';
    const text = errorText(code);
    const canRetry = code !== 'CAMERA_NOT_FOUND' && code !== 'INSECURE_CONTEXT';
    return html`
      <div class="camera-error" role="alert" data-code=${code}>
        <h3>${text.title}</h3>
        <p>${text.body}</p>
      </div>
      <div class="actions">
        ${this.renderFileInput(true)}
        ${
          canRetry
            ? html`<button type="button" part="secondary-button" @click=${() => void this.startLive(false)}>
              ${msg('Try the camera again', { id: 'capture.camera-retry' })}
            </button>`
            : nothing
        }
        ${
          this.offerHandoff && HANDOFF_CODES.has(code)
            ? html`<button type="button" part="secondary-button" @click=${() => this.emit('handoff-requested')}>
              ${msg('Continue on your phone', { id: 'handoff.offer' })}
            </button>`
            : nothing
        }
      </div>
    `;
  }

  /**
   * The outline the checks found on the photo, in the photo's own pixels, laid over it with the same letterboxing
   * (`object-fit: contain` ↔ `xMidYMid meet`): the user sees which card the verdict is about.
   */
  private renderFoundOutline(capture: Captured) {
    const assessment = capture.assessment as Partial<DocumentFrameResult>;
    if (this.selfie || !assessment.quad) return nothing;
    const scale = assessment.scale ?? 1;
    const points = assessment.quad.map((p) => `${p.x * scale},${p.y * scale}`).join(' ');
    return svg`<svg class="found ${capture.assessment.ok ? 'ok' : 'refused'}" viewBox=${`0 0 ${capture.width} ${capture.height}`}
      preserveAspectRatio="xMidYMid meet" aria-hidden="true"><polygon points=${points}></polygon></svg>`;
  }

  private renderReview() {
    const capture = this.captured;
    if (!capture) return nothing;
    const ok = capture.assessment.ok;
    const issue = capture.assessment.issues[0];
    const canUse = ok || this.engine?.canAcceptFlagged === true;
    return html`
      <div class="review-frame">
        <img part="review-image" class="review ${this.selfie ? 'mirrored' : ''}" src=${this.reviewUrl ?? ''} alt=${this.stepTitle()} />
        ${this.renderFoundOutline(capture)}
      </div>
      ${
        ok
          ? html`<p class="review-note">${msg('Make sure all details are sharp and readable.', { id: 'review.ok' })}</p>`
          : html`<div class="review-note warn" role="alert">
            ${issue ? html`<p>${captureHint(issue, this.selfie)}</p>` : nothing}
            <p>
              ${
                canUse
                  ? msg('You can still use it, or try again.', { id: 'review.flagged' })
                  : msg('Please try again.', { id: 'review.retry-needed' })
              }
            </p>
          </div>`
      }
      <div class="actions">
        ${
          canUse
            ? html`<button class="primary" part="primary-button" type="button" ?disabled=${this.accepting} @click=${() => void this.acceptReviewed()}>
              ${ok ? msg('Use this photo', { id: 'review.use' }) : msg('Use this photo anyway', { id: 'review.use-anyway' })}
            </button>`
            : nothing
        }
        <button class=${canUse ? '' : 'primary'} part=${canUse ? 'secondary-button' : 'primary-button'} type="button" ?disabled=${this.accepting} @click=${() => void this.retake()}>
          ${msg('Retake', { id: 'review.retake' })}
        </button>
      </div>
    `;
  }
}
