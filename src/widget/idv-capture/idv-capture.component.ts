import { msg, str, updateWhenLocaleChanges } from '@lit/localize';
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import type { PartClassifier } from '../../shared/api/common.js';
import type { CaptureMetadataRequest } from '../../shared/api/session.js';
import type { RetryPolicy } from '../../transport/backoff.js';
import { type PartUpload, PartUploadQueue } from '../../transport/part-upload-queue.js';
import { SessionClient } from '../../transport/session-client.js';
import { TransportError } from '../../transport/transport-error.js';
import { CONSENT_TEXT_VERSION } from '../consent-step/consent-step.js';
import {
  asksForDocument,
  type DocumentChoice,
  FlowController,
  type FlowStep,
  onlyDocumentChoice,
  partOfStep,
  type StepPosition,
} from '../controllers/flow-controller.js';
import '../document-type-step/document-type-step.js';
import '../done-step/done-step.js';
import '../error-step/error-step.js';
import { type IdvEventDetails, idvEvent, type StepId } from '../events.js';
import { applyLocale, isRightToLeft, matchLocale } from '../localization.js';
import type { StepElement } from '../step-element.js';
import '../upload-step/upload-step.js';
import type { UploadPhase } from '../upload-step/upload-step.js';
import { browserSupported, IdvError, idvErrorFrom, type WidgetErrorCode } from '../widget-error.js';
import { idvCaptureStyles } from './idv-capture.styles.js';

/** What a capture step hands over once the user accepted a photo (already compressed for upload). */
export interface AcceptedCapture {
  classifier: PartClassifier;
  image: Blob;
  width: number;
  height: number;
  method: IdvEventDetails['idv-capture']['method'];
  flagged: boolean;
  attempts: number;
  qualityReasons: string[];
}

type Phase = 'loading' | 'flow' | 'error' | 'cancelled';

const CAPTURE_STEPS: ReadonlySet<FlowStep> = new Set(['document-front', 'document-back', 'selfie']);

/** Handoff failures that end the verification itself (any other failure leaves this device usable). */
const SESSION_ENDED_CODES: ReadonlySet<string> = new Set([
  'TOKEN_EXPIRED',
  'SESSION_EXPIRED',
  'INVALID_TOKEN',
  'EXECUTION_NOT_ACTIVE',
]);

/** Phones and tablets: "continue on your phone" by choice makes no sense there. */
function coarsePointer(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
}

/** Where the script was served from: the default backend and asset origin. */
function scriptUrl(): URL {
  return new URL(import.meta.url);
}

/**
 * Runs the identity-verification capture flow on the user's device: consent, document type and country, document
 * front and back, selfie, liveness (when the session asks for it), upload and finalize. Reads `GET /api/v1/session` first, so a reload resumes where the
 * user left off. Capture screens and the camera / analysis code load only when the first capture step starts.
 *
 * @example
 * <idv-capture token="…" locale="es" error-url="https://shop.example.com/verify-failed"></idv-capture>
 *
 * @event idv-ready - The session is loaded; the first `idv-step-change` follows.
 * @event idv-step-change - The flow moved to another step: `{step, index, total}`.
 * @event idv-capture - A photo was accepted: `{part, method: 'auto'|'manual'|'upload', width, height, bytes}`.
 * @event idv-upload-progress - Bytes of a part sent so far: `{part, loaded, total}`.
 * @event idv-complete - Everything was sent and finalized: `{accountId, workflowExecutionId, status}`. Cancelable:
 *   `preventDefault()` keeps the page from going to the success URL.
 * @event idv-error - Something went wrong: `{code, message, recoverable}`. Cancelable: `preventDefault()` keeps a
 *   fatal error from going to the error URL.
 * @event idv-cancel - The user left the flow (declined consent): `{reason}`. Cancelable like `idv-error`.
 *
 * "Continue on your phone" (consent step, and camera error screens) shows `<idv-handoff>` (a lazy chunk) in place
 * of the step; when the phone finishes, `idv-complete` fires here as for a normal completion. `no-handoff` hides it.
 *
 * @csspart panel - The card that holds every step.
 * @csspart progress-indicator - "Step n of m".
 * @csspart primary-button - The main action of a step.
 * @csspart secondary-button - The other actions of a step.
 * @csspart consent-panel - The consent step.
 * @csspart document-type-panel - The document type step.
 * @csspart select - The country select.
 * @csspart capture-panel - A capture step (document front, back, selfie).
 * @csspart viewfinder - The live video with its guide.
 * @csspart guide - The card outline or face oval over the video.
 * @csspart hint - The live hint under the video.
 * @csspart review-image - The photo on the review screen.
 * @csspart liveness-panel - The liveness step.
 * @csspart instruction - The liveness step's current instruction.
 * @csspart upload-panel - The upload step.
 * @csspart progress - A part's upload progress bar.
 * @csspart done-panel - The last step.
 * @csspart error-panel - An error screen.
 * @csspart handoff-panel - The "continue on your phone" view.
 * @csspart qr-code - Its QR code.
 * @csspart link - Its link as text.
 * @csspart status - Its live progress line.
 *
 * @cssproperty --idv-color-primary - Accent colour of actions. Default `#1f5eff` (dark: `#8fb0ff`).
 * @cssproperty --idv-color-on-primary - Text on the accent colour. Default `#ffffff` (dark: `#0b1530`).
 * @cssproperty --idv-color-surface - Panel background. Default `#ffffff` (dark: `#15181f`).
 * @cssproperty --idv-color-text - Text colour. Default `#1a1d24` (dark: `#eceef3`).
 * @cssproperty --idv-color-muted - Secondary text. Default `#4f5666` (dark: `#b4bac7`).
 * @cssproperty --idv-color-border - Borders of fields and choices. Default `#c9ced8` (dark: `#3b4150`).
 * @cssproperty --idv-color-danger - Error headings. Default `#b3261e` (dark: `#ffb4ab`).
 * @cssproperty --idv-color-success - Success mark, guide when ready. Default `#1b7f3b` (dark: `#7dd89b`).
 * @cssproperty --idv-color-overlay - Shade around the capture guide. Default `rgb(0 0 0 / 0.55)`.
 * @cssproperty --idv-radius - Corner radius. Default `12px`.
 * @cssproperty --idv-font - Font stack. Default the system UI font.
 * @cssproperty --idv-max-width - Widest the widget grows. Default `32rem`.
 * @cssproperty --idv-panel-padding - Padding of the panel. Default `clamp(1rem, 4vw, 1.5rem)`.
 * @cssproperty --idv-focus-ring - Focus outline colour. Default the primary colour at 45 %.
 */
export class IdvCapture extends LitElement {
  static override styles = idvCaptureStyles;

  static override properties = {
    token: { type: String },
    apiBase: { type: String, attribute: 'api-base' },
    assetBase: { type: String, attribute: 'asset-base' },
    locale: { type: String },
    successUrl: { type: String, attribute: 'success-url' },
    errorUrl: { type: String, attribute: 'error-url' },
    theme: { type: String, reflect: true },
    manualAfterMs: { type: Number, attribute: 'manual-after-ms' },
    noHandoff: { type: Boolean, attribute: 'no-handoff' },
    retryPolicy: { attribute: false },
    navigateTo: { attribute: false },
    phase: { state: true },
    error: { state: true },
    busy: { state: true },
    uploadPhase: { state: true },
    captureScreensLoaded: { state: true },
    livenessScreenLoaded: { state: true },
    captureNotice: { state: true },
    handoffOpen: { state: true },
  };

  /** The workflow token (`sdk.token` of account creation). Required. */
  declare token: string;
  /** Backend origin; defaults to the origin that served the script. */
  declare apiBase: string | undefined;
  /** Where wasm and models are served from; defaults to `assets/` next to the script. */
  declare assetBase: string | undefined;
  /** BCP 47 locale; defaults to the session's locale, then `navigator.language`, then English. */
  declare locale: string | undefined;
  /** Overrides the session's success URL. */
  declare successUrl: string | undefined;
  /** Overrides the session's error URL. */
  declare errorUrl: string | undefined;
  /** `light` (default), `dark`, or `auto` (follows the system setting). */
  declare theme: 'light' | 'dark' | 'auto' | undefined;
  /** How long live capture waits before offering the manual shutter (default 8000 ms). */
  declare manualAfterMs: number | undefined;
  /** Never offer "continue on your phone" (set on the phone side of a handoff). */
  declare noHandoff: boolean;
  /** Backoff of backend calls and uploads. */
  declare retryPolicy: RetryPolicy | undefined;
  /** How the widget leaves the page for the success / error URL; replace to route in a single-page app. */
  declare navigateTo: (url: string) => void;

  declare private phase: Phase;
  declare private error: IdvError | undefined;
  declare private busy: boolean;
  declare private uploadPhase: UploadPhase;
  declare private captureScreensLoaded: boolean;
  /** The liveness step is its own chunk, fetched when the flow reaches it. */
  declare private livenessScreenLoaded: boolean;
  declare private captureNotice: WidgetErrorCode | undefined;
  /** `<idv-handoff>` is shown in place of the current step, which comes back when it closes. */
  declare private handoffOpen: boolean;

  private readonly flow = new FlowController(this, (position) => void this.stepChanged(position));
  private client: SessionClient | undefined;
  private uploads: PartUploadQueue | undefined;
  private readonly captureDetails = new Map<PartClassifier, AcceptedCapture>();
  private started = false;
  private uploadRun: Promise<void> | undefined;
  private readonly startedAt = Date.now();

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.token = '';
    this.phase = 'loading';
    this.busy = false;
    this.uploadPhase = 'uploading';
    this.captureScreensLoaded = false;
    this.livenessScreenLoaded = false;
    this.noHandoff = false;
    this.handoffOpen = false;
    this.navigateTo = (url) => window.location.assign(url);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.started) {
      this.started = true;
      void this.begin();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.uploads?.dispose();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locale') && this.locale && this.phase !== 'loading') void this.useLocale(this.locale);
  }

  /** The current step, as in `idv-step-change`. */
  get step(): StepId | undefined {
    if (this.phase === 'error') return 'error';
    return this.flow.position?.step;
  }

  override render() {
    const position = this.flow.position;
    return html`
      <div part="panel">
        ${
          this.phase === 'flow' && position && position.step !== 'done' && !this.handoffOpen
            ? html`<p part="progress-indicator">
              ${msg(str`Step ${position.index + 1} of ${position.total}`, { id: 'flow.progress' })}
            </p>`
            : nothing
        }
        ${this.renderPhase()}
      </div>
    `;
  }

  private renderPhase() {
    switch (this.phase) {
      case 'loading':
        return this.renderLoading();
      case 'error':
        return html`<idv-error-step
          data-step
          exportparts="error-panel, primary-button"
          .code=${this.error?.code ?? 'INTERNAL_ERROR'}
          .recoverable=${this.error?.recoverable ?? false}
          .canLeave=${Boolean(this.effectiveErrorUrl())}
          @error-retry=${() => void this.retryAfterError()}
          @error-leave=${() => this.leaveWithError(this.error?.code ?? 'INTERNAL_ERROR')}
        ></idv-error-step>`;
      case 'cancelled':
        return html`<section aria-labelledby="cancelled-title">
          <h2 id="cancelled-title" tabindex="-1" data-step-heading>
            ${msg('Verification cancelled', { id: 'cancelled.title' })}
          </h2>
          <p>${msg('You did not give your consent, so nothing was captured. You can close this page.', { id: 'cancelled.body' })}</p>
        </section>`;
      case 'flow':
        return this.renderStep();
    }
  }

  private renderLoading() {
    return html`<div class="loading" role="status">
      <span class="spinner" aria-hidden="true"></span>
      <span>${msg('Loading…', { id: 'common.loading' })}</span>
    </div>`;
  }

  private renderStep() {
    const state = this.flow.state;
    const position = this.flow.position;
    if (!state || !position) return this.renderLoading();
    if (this.handoffOpen) return this.renderHandoff();
    switch (position.step) {
      case 'consent':
        return html`<idv-consent-step
          data-step
          exportparts="consent-panel, primary-button, secondary-button"
          .busy=${this.busy}
          .offerHandoff=${!this.noHandoff && !coarsePointer()}
          .selfieOnly=${!asksForDocument(state.session)}
          @handoff-requested=${() => void this.openHandoff()}
          @consent-answer=${(e: CustomEvent<{ accepted: boolean }>) => void this.answerConsent(e.detail.accepted)}
        ></idv-consent-step>`;
      case 'document-type':
        return html`<idv-document-type-step
          data-step
          exportparts="document-type-panel, primary-button, select"
          .types=${state.session.document.allowedTypes}
          .countries=${state.session.document.allowedCountries}
          .busy=${this.busy}
          @document-choice=${(e: CustomEvent<DocumentChoice>) => void this.chooseDocument(e.detail)}
        ></idv-document-type-step>`;
      case 'document-front':
      case 'document-back':
      case 'selfie': {
        if (!this.captureScreensLoaded) return this.renderLoading();
        // A fresh element per part: camera, engine and review state never leak from one side to the next.
        return keyed(
          position.step,
          html`<idv-capture-step
          data-step
          exportparts="capture-panel, viewfinder, guide, hint, review-image, primary-button, secondary-button"
          .classifier=${partOfStep(position.step)}
          .documentType=${state.document?.type}
          .assetBase=${this.effectiveAssetBase()}
          .manualAfterMs=${this.manualAfterMs}
          .notice=${this.captureNotice}
          .offerHandoff=${!this.noHandoff}
          @handoff-requested=${() => void this.openHandoff()}
          @capture-accepted=${(e: CustomEvent<AcceptedCapture>) => this.acceptCapture(e.detail)}
          @camera-failed=${(e: CustomEvent<{ code: WidgetErrorCode; message: string }>) =>
            this.emitError(new IdvError(e.detail.code, e.detail.message))}
        ></idv-capture-step>`,
        );
      }
      case 'liveness':
        if (!this.livenessScreenLoaded) return this.renderLoading();
        return html`<idv-liveness-step
          data-step
          exportparts="liveness-panel, viewfinder, guide, instruction, hint, primary-button"
          .client=${this.client}
          .assetBase=${this.effectiveAssetBase()}
          @liveness-finished=${() => this.flow.dispatch({ type: 'liveness-done' })}
          @liveness-error=${(e: CustomEvent<{ error: unknown }>) => this.fail(idvErrorFrom(e.detail.error))}
          @camera-failed=${(e: CustomEvent<{ code: WidgetErrorCode; message: string }>) =>
            this.emitError(new IdvError(e.detail.code, e.detail.message))}
        ></idv-liveness-step>`;
      case 'upload':
        return html`<idv-upload-step
          data-step
          exportparts="upload-panel, progress, primary-button"
          .uploads=${this.uploadRows()}
          .phase=${this.uploadPhase}
          @upload-retry=${() => {
            this.uploads?.retryFailed();
            void this.runUploadStep();
          }}
        ></idv-upload-step>`;
      case 'done':
        return html`<idv-done-step data-step exportparts="done-panel"></idv-done-step>`;
    }
  }

  private renderHandoff() {
    return html`<idv-handoff
      data-step
      exportparts="panel: handoff-panel, qr-code, link, status, primary-button, secondary-button"
      token=${this.token}
      api-base=${this.apiBase ?? scriptUrl().origin}
      locale=${this.getAttribute('lang') ?? 'en'}
      theme=${this.theme && this.theme !== 'auto' ? this.theme : nothing}
      @idv-handoff-complete=${(e: CustomEvent<IdvEventDetails['idv-complete']>) => {
        e.stopPropagation();
        this.completeOnPhone(e.detail);
      }}
      @idv-handoff-error=${(e: CustomEvent<{ code: string }>) => {
        e.stopPropagation();
        this.handoffFailed(e.detail.code);
      }}
      @idv-handoff-close=${(e: Event) => {
        e.stopPropagation();
        void this.closeHandoff();
      }}
    ></idv-handoff>`;
  }

  private uploadRows(): Pick<PartUpload, 'classifier' | 'status' | 'loaded' | 'total'>[] {
    const queued = this.uploads?.all() ?? [];
    const onServer = (this.flow.state?.session.parts ?? [])
      .filter((part) => !queued.some((u) => u.classifier === part.classifier))
      .map((part) => ({
        classifier: part.classifier,
        status: 'acknowledged' as const,
        loaded: part.bytes,
        total: part.bytes,
      }));
    return [...onServer, ...queued];
  }

  // ── lifecycle of the flow ──────────────────────────────────────────────────────────────────────────────

  private async begin(): Promise<void> {
    if (this.locale) await this.useLocale(this.locale);
    if (!browserSupported()) {
      this.fail(new IdvError('UNSUPPORTED_BROWSER', 'This browser lacks APIs the capture needs'));
      return;
    }
    if (!this.token) {
      this.fail(new IdvError('INVALID_TOKEN', 'The token attribute is missing'));
      return;
    }
    this.client = new SessionClient({
      token: this.token,
      apiBase: this.apiBase ?? scriptUrl().origin,
      retry: this.retryPolicy,
    });
    this.uploads = new PartUploadQueue({
      client: this.client,
      onProgress: (upload) => {
        this.dispatchEvent(
          idvEvent('idv-upload-progress', {
            part: upload.classifier,
            loaded: upload.loaded,
            total: upload.total,
          }),
        );
        this.requestUpdate();
      },
      onChange: () => this.requestUpdate(),
    });
    await this.loadSession(true);
  }

  /** Reads the session and rebuilds the flow from it; local captures still waiting for upload are kept. */
  private async loadSession(first: boolean): Promise<void> {
    const client = this.client;
    if (!client) return;
    let session: Awaited<ReturnType<SessionClient['loadSession']>>;
    try {
      session = await client.loadSession();
    } catch (error) {
      this.fail(idvErrorFrom(error));
      return;
    }
    const status = session.workflowExecution.status;
    if (status === 'SESSION_EXPIRED' || status === 'TOKEN_EXPIRED') {
      this.fail(new IdvError(status, `The session is ${status}`));
      return;
    }
    if (first) await this.useLocale(matchLocale([this.locale, session.locale, navigator.language]));
    this.phase = 'flow';
    this.error = undefined;
    // Ready first, so a page that listens for it also hears the first idv-step-change.
    if (first) this.dispatchEvent(idvEvent('idv-ready', {}));
    this.flow.dispatch({ type: 'session-loaded', session });
    // Captures still on their way count as done; acknowledged ones are the server's to report.
    for (const upload of this.uploads?.all() ?? []) {
      if (upload.status !== 'rejected' && upload.status !== 'acknowledged')
        this.flow.dispatch({ type: 'part-captured', classifier: upload.classifier });
    }
    if (session.consent.given) void this.chooseOnlyDocument();
  }

  private async useLocale(preference: string): Promise<void> {
    const locale = matchLocale([preference]);
    this.setAttribute('dir', isRightToLeft(locale) ? 'rtl' : 'ltr');
    this.setAttribute('lang', locale);
    await applyLocale(locale);
  }

  private async stepChanged(position: StepPosition): Promise<void> {
    this.dispatchEvent(idvEvent('idv-step-change', position));
    if (position.step === 'consent' || position.step === 'document-type') this.prepareAnalysis();
    if (CAPTURE_STEPS.has(position.step)) await this.loadCaptureScreens();
    if (position.step === 'liveness') await this.loadLivenessScreen();
    if (position.step === 'upload') void this.runUploadStep();
    await this.focusStep();
  }

  private focusedOnce = false;

  /** Moves focus to the new step's heading (not on the very first step: the page keeps its own focus). */
  private async focusStep(): Promise<void> {
    await this.updateComplete;
    if (!this.focusedOnce) {
      this.focusedOnce = true;
      return;
    }
    const step = this.renderRoot.querySelector<StepElement>('[data-step]');
    if (step?.focusHeading) await step.focusHeading();
    else this.renderRoot.querySelector<HTMLElement>('[data-step-heading]')?.focus();
  }

  private analysisPrepared = false;

  /**
   * Starts the analysis worker while the user reads the consent or picks a document: loaded, configured and warmed
   * up, the first camera frame then gets feedback in ~150 ms instead of ~300–450 ms. Nothing is lost when it fails:
   * the camera step creates the worker itself.
   */
  private prepareAnalysis(): void {
    if (this.analysisPrepared) return;
    this.analysisPrepared = true;
    const assetBase = this.effectiveAssetBase();
    void import('../analysis-clients.js')
      .then(({ analysisClientFor }) => analysisClientFor(assetBase).prepare())
      .catch(() => undefined);
  }

  private async loadCaptureScreens(): Promise<void> {
    if (this.captureScreensLoaded) return;
    try {
      await import('../capture-step/capture-step.js');
      this.captureScreensLoaded = true;
    } catch (error) {
      this.fail(
        idvErrorFrom(
          new TransportError('NETWORK_ERROR', 'Could not load the capture screens', { cause: error }),
        ),
      );
    }
  }

  private async loadLivenessScreen(): Promise<void> {
    if (this.livenessScreenLoaded) return;
    try {
      await import('../liveness-step/liveness-step.js');
      this.livenessScreenLoaded = true;
    } catch (error) {
      this.fail(
        idvErrorFrom(
          new TransportError('NETWORK_ERROR', 'Could not load the liveness screen', { cause: error }),
        ),
      );
    }
  }

  // ── continue on the phone ──────────────────────────────────────────────────────────────────────────────

  /** Loaded on demand: the QR code generator stays out of the first download. */
  private async openHandoff(): Promise<void> {
    if (this.handoffOpen || !this.token) return;
    try {
      await import('../handoff/idv-handoff.js');
    } catch (error) {
      // The step stays as it was: the user can still go on here.
      this.emitError(
        idvErrorFrom(
          new TransportError('NETWORK_ERROR', 'Could not load the handoff view', { cause: error }),
        ),
      );
      return;
    }
    this.handoffOpen = true;
    await this.focusStep();
  }

  private async closeHandoff(): Promise<void> {
    this.handoffOpen = false;
    await this.focusStep();
  }

  /** The phone finalized: this device finishes too, exactly as after its own finalize. */
  private completeOnPhone(detail: IdvEventDetails['idv-complete']): void {
    this.handoffOpen = false;
    this.flow.dispatch({ type: 'finalized' });
    this.announceCompletion(detail);
  }

  private handoffFailed(code: string): void {
    // A link that could not be made is not the end: the handoff view says so and offers the way back.
    if (!SESSION_ENDED_CODES.has(code)) return;
    this.handoffOpen = false;
    this.fail(new IdvError(code as WidgetErrorCode, `The session ended during the handoff (${code})`));
  }

  // ── step actions ───────────────────────────────────────────────────────────────────────────────────────

  private async answerConsent(accepted: boolean): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (!accepted) {
      // The answer is recorded when possible; leaving never waits on the network.
      client.giveConsent({ accepted: false, version: CONSENT_TEXT_VERSION }).catch(() => undefined);
      this.phase = 'cancelled';
      const event = idvEvent('idv-cancel', { reason: 'consent-declined' }, { cancelable: true });
      this.dispatchEvent(event);
      if (!event.defaultPrevented) this.redirectToError('CONSENT_DECLINED');
      await this.focusStep();
      return;
    }
    this.busy = true;
    try {
      await client.giveConsent({ accepted: true, version: CONSENT_TEXT_VERSION });
      await this.chooseOnlyDocument();
      this.flow.dispatch({ type: 'consent-given' });
      void this.loadCaptureScreens();
    } catch (error) {
      this.fail(idvErrorFrom(error));
    } finally {
      this.busy = false;
    }
  }

  /** With one allowed type and country the step is skipped, but the server still hears the choice. */
  private async chooseOnlyDocument(): Promise<void> {
    const state = this.flow.state;
    if (!state || state.document || !this.client) return;
    const only = onlyDocumentChoice(state.session);
    if (!only) return;
    await this.client.chooseDocument(only);
    this.flow.dispatch({ type: 'document-chosen', choice: only });
  }

  private async chooseDocument(choice: DocumentChoice): Promise<void> {
    if (!this.client) return;
    this.busy = true;
    try {
      await this.client.chooseDocument(choice);
      this.flow.dispatch({ type: 'document-chosen', choice });
    } catch (error) {
      this.fail(idvErrorFrom(error));
    } finally {
      this.busy = false;
    }
  }

  private acceptCapture(capture: AcceptedCapture): void {
    const link = this.client?.partLink(capture.classifier);
    if (!link || !this.uploads) {
      this.fail(new IdvError('INTERNAL_ERROR', `The session has no upload link for ${capture.classifier}`));
      return;
    }
    this.captureNotice = undefined;
    this.captureDetails.set(capture.classifier, capture);
    this.dispatchEvent(
      idvEvent('idv-capture', {
        part: capture.classifier,
        method: capture.method,
        width: capture.width,
        height: capture.height,
        bytes: capture.image.size,
      }),
    );
    // The upload starts now, in the background, while the user goes on to the next step.
    this.uploads.enqueue(link, capture.image);
    this.flow.dispatch({ type: 'part-captured', classifier: capture.classifier });
  }

  /** Waits for every upload, then sends the capture metadata and finalizes. Runs once at a time. */
  private runUploadStep(): Promise<void> {
    this.uploadRun ??= this.uploadAndFinalize().finally(() => {
      this.uploadRun = undefined;
    });
    return this.uploadRun;
  }

  private async uploadAndFinalize(): Promise<void> {
    const client = this.client;
    const uploads = this.uploads;
    if (!client || !uploads) return;
    this.uploadPhase = 'uploading';
    try {
      await uploads.settled();
    } catch (error) {
      const rejected = uploads.all().find((upload) => upload.status === 'rejected');
      if (rejected) {
        // The server refused the image: back to that capture step, with a notice.
        this.captureNotice = 'UPLOAD_REJECTED';
        this.emitError(idvErrorFrom(rejected.error ?? error));
        this.flow.dispatch({ type: 'part-rejected', classifier: rejected.classifier });
        return;
      }
      this.uploadPhase = 'failed';
      this.emitError(idvErrorFrom(error));
      return;
    }
    this.uploadPhase = 'finalizing';
    await client.sendCaptureMetadata(this.captureMetadata()).catch(() => undefined);
    try {
      const result = await client.finalize();
      this.flow.dispatch({ type: 'finalized' });
      this.announceCompletion({
        accountId: result.account.id,
        workflowExecutionId: result.workflowExecution.id,
        status: result.workflowExecution.status,
      });
    } catch (error) {
      if (error instanceof TransportError && error.code === 'MISSING_PARTS') {
        // The server is missing something we thought was done: resync with it and capture what it lacks.
        await this.loadSession(false);
        return;
      }
      const failure = idvErrorFrom(error);
      if (failure.recoverable) {
        this.uploadPhase = 'failed';
        this.emitError(failure);
      } else {
        this.fail(failure);
      }
    }
  }

  /** `idv-complete`, then the success URL unless the page prevents it. */
  private announceCompletion(detail: IdvEventDetails['idv-complete']): void {
    const event = idvEvent('idv-complete', detail, { cancelable: true });
    this.dispatchEvent(event);
    const successUrl = this.successUrl ?? this.flow.state?.session.web.successUrl;
    if (successUrl && !event.defaultPrevented) {
      this.navigateTo(
        withQuery(successUrl, {
          acquisitionStatus: 'SUCCESS',
          accountId: detail.accountId,
          workflowExecutionId: detail.workflowExecutionId,
        }),
      );
    }
  }

  private captureMetadata(): CaptureMetadataRequest {
    return {
      userAgent: navigator.userAgent.slice(0, 512),
      locale: (this.getAttribute('lang') ?? 'en').slice(0, 35),
      parts: [...this.captureDetails.values()].map((capture) => ({
        classifier: capture.classifier,
        method: capture.method,
        qualityReasons: capture.qualityReasons.slice(0, 32),
        attempts: capture.attempts,
        width: capture.width,
        height: capture.height,
      })),
      timings: { flowMs: Date.now() - this.startedAt },
    };
  }

  // ── errors ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Tells the page; the screen stays where it is (the step shows its own way out). */
  private emitError(error: IdvError): CustomEvent {
    const event = idvEvent(
      'idv-error',
      { code: error.code, message: error.message, recoverable: error.recoverable },
      { cancelable: true },
    );
    this.dispatchEvent(event);
    return event;
  }

  /** Shows the error screen; fatal errors then go to the error URL unless the page prevents it. */
  private fail(error: IdvError): void {
    this.error = error;
    this.phase = 'error';
    this.busy = false;
    const position = this.flow.position;
    this.dispatchEvent(
      idvEvent('idv-step-change', {
        step: 'error',
        index: position?.index ?? 0,
        total: position?.total ?? 0,
      }),
    );
    const event = this.emitError(error);
    void this.focusStep();
    if (!error.recoverable && !event.defaultPrevented) this.redirectToError(error.code);
  }

  private async retryAfterError(): Promise<void> {
    this.phase = 'loading';
    this.error = undefined;
    if (!this.client) {
      await this.begin();
      return;
    }
    await this.loadSession(false);
    await this.focusStep();
  }

  private effectiveErrorUrl(): string | undefined {
    return this.errorUrl ?? this.flow.state?.session.web.errorUrl;
  }

  private effectiveAssetBase(): string {
    return this.assetBase ?? new URL('./assets/', scriptUrl()).href;
  }

  private redirectToError(code: string): void {
    const errorUrl = this.effectiveErrorUrl();
    if (errorUrl) this.navigateTo(withQuery(errorUrl, { acquisitionStatus: 'ERROR', errorCode: code }));
  }

  private leaveWithError(code: string): void {
    this.redirectToError(code);
  }
}

function withQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url, window.location.href);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  return target.href;
}
