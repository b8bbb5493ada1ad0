/**
 * Entry of the hosted page (`/web/v1/app`, served by idv-server; built to `dist/hosted/hosted.js`). The page shell
 * also loads `/sdk/v<version>/idv-capture.js`, which defines `<idv-capture>`.
 *
 * - Iframe flow (framed by an allowed origin): the widget's outcome goes to the parent as a message, the iframe
 *   never navigates away.
 * - Redirect flow (top-level): the widget goes to the success / error URL itself (with `acquisitionStatus`, ids
 *   or `errorCode`).
 * - Cross-device: "Continue on your phone" shows `<idv-handoff>`; when the phone finishes, this page finishes.
 */
import './hosted.css';
import type { IdvEventDetails } from '../widget/events.js';
import { type HostedConfig, takeHostedConfig } from './hosted-config.js';
import { ParentBridge } from './parent-bridge.js';

/** Camera problems where a phone is the obvious way out. */
const NO_CAMERA_CODES = new Set(['CAMERA_NOT_FOUND', 'CAMERA_UNSUPPORTED', 'CAMERA_DENIED', 'CAMERA_IN_USE']);

const SESSION_ENDED_CODES = new Set([
  'TOKEN_EXPIRED',
  'SESSION_EXPIRED',
  'INVALID_TOKEN',
  'EXECUTION_NOT_ACTIVE',
]);

/** The shell's one string of its own, in the widget's languages (by language subtag, English otherwise). */
const HANDOFF_OFFER: Record<string, string> = {
  en: 'No camera here? Continue on your phone',
  es: '¿No hay cámara? Continúe en su teléfono',
  fr: 'Pas de caméra ? Continuez sur votre téléphone',
  de: 'Keine Kamera? Auf dem Smartphone fortfahren',
  pt: 'Sem câmara? Continue no seu telemóvel',
  ar: 'لا توجد كاميرا؟ تابع على هاتفك',
};

function handoffOfferText(locale: string): string {
  return HANDOFF_OFFER[locale.toLowerCase().split(/[-_]/)[0] ?? 'en'] ?? (HANDOFF_OFFER.en as string);
}

type IdvCaptureElement = HTMLElement & { navigateTo: (url: string) => void };

function withQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url, window.location.href);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  return target.href;
}

class HostedPage {
  private readonly bridge: ParentBridge;
  private readonly ids: { accountId?: string; workflowExecutionId?: string };
  private widget: IdvCaptureElement | undefined;
  private handoffPanel: HTMLElement | undefined;
  private finished = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly config: HostedConfig,
  ) {
    this.bridge = new ParentBridge(config.allowedOrigins);
    this.ids = {
      ...(config.accountId ? { accountId: config.accountId } : {}),
      ...(config.workflowExecutionId ? { workflowExecutionId: config.workflowExecutionId } : {}),
    };
  }

  /** In the iframe flow the parent decides what happens next; on the phone the desktop does. */
  private get staysOnPage(): boolean {
    return this.bridge.framed || this.config.handoff;
  }

  start(): void {
    document.documentElement.dataset.theme = this.config.theme ?? 'light';
    document.documentElement.dataset.framed = String(this.bridge.framed);
    const widget = document.createElement('idv-capture') as IdvCaptureElement;
    widget.setAttribute('token', this.config.token ?? '');
    widget.setAttribute('api-base', this.config.apiBase);
    widget.setAttribute('locale', this.config.locale);
    if (this.config.theme) widget.setAttribute('theme', this.config.theme);
    if (this.config.successUrl) widget.setAttribute('success-url', this.config.successUrl);
    if (this.config.errorUrl) widget.setAttribute('error-url', this.config.errorUrl);
    // Top-level only ever (an iframe that navigated to the customer's page would nest the customer in itself).
    widget.navigateTo = (url) => {
      if (!this.staysOnPage) window.location.assign(url);
    };
    widget.addEventListener('idv-ready', () => this.bridge.post({ type: 'loaded', ...this.ids }));
    widget.addEventListener('idv-step-change', (event) => {
      const { step, index, total } = event.detail;
      this.bridge.post({ type: 'step', ...this.ids, step, index, total });
    });
    widget.addEventListener('idv-complete', (event) => {
      if (this.staysOnPage) event.preventDefault();
      this.complete(event.detail);
    });
    widget.addEventListener('idv-error', (event) => {
      const { code, recoverable } = event.detail;
      if (this.staysOnPage && !recoverable) event.preventDefault();
      this.bridge.post({ type: 'error', ...this.ids, code, recoverable });
      if (NO_CAMERA_CODES.has(code) && !this.config.handoff) void this.openHandoff();
    });
    widget.addEventListener('idv-cancel', (event) => {
      if (this.staysOnPage) event.preventDefault();
      this.bridge.post({ type: 'cancel', ...this.ids, reason: event.detail.reason });
    });
    this.widget = widget;
    this.root.append(widget);
    if (!this.config.handoff && this.config.token) this.root.append(this.handoffOffer());
  }

  private complete(detail: IdvEventDetails['idv-complete']): void {
    if (this.finished) return;
    this.finished = true;
    this.bridge.post({ type: 'success', ...detail });
  }

  private handoffOffer(): HTMLElement {
    const offer = document.createElement('p');
    offer.className = 'handoff-offer';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button';
    button.dataset.action = 'handoff';
    button.textContent = handoffOfferText(this.config.locale);
    button.addEventListener('click', () => void this.openHandoff());
    offer.append(button);
    return offer;
  }

  /** Loaded on demand: the QR code generator stays out of the first download. */
  private async openHandoff(): Promise<void> {
    if (this.handoffPanel || !this.config.token) return;
    await import('../widget/handoff/idv-handoff.js');
    const panel = document.createElement('idv-handoff');
    panel.setAttribute('token', this.config.token);
    panel.setAttribute('api-base', this.config.apiBase);
    panel.setAttribute('locale', this.config.locale);
    if (this.config.theme && this.config.theme !== 'auto') panel.setAttribute('theme', this.config.theme);
    panel.addEventListener('idv-handoff-complete', (event) => {
      const { accountId, workflowExecutionId, status } = event.detail;
      this.complete({ accountId, workflowExecutionId, status });
      if (!this.staysOnPage && this.config.successUrl) {
        window.location.assign(
          withQuery(this.config.successUrl, { acquisitionStatus: 'SUCCESS', accountId, workflowExecutionId }),
        );
      }
    });
    panel.addEventListener('idv-handoff-error', (event) => {
      const { code } = event.detail;
      // A link that could not be made is not the end: the user can still capture here.
      if (!SESSION_ENDED_CODES.has(code)) return;
      this.bridge.post({ type: 'error', ...this.ids, code, recoverable: false });
      if (!this.staysOnPage && this.config.errorUrl) {
        window.location.assign(
          withQuery(this.config.errorUrl, { acquisitionStatus: 'ERROR', errorCode: code }),
        );
      }
    });
    panel.addEventListener('idv-handoff-close', () => {
      panel.remove();
      this.handoffPanel = undefined;
      if (this.widget) this.widget.hidden = false;
      this.root.querySelector<HTMLElement>('.handoff-offer')?.removeAttribute('hidden');
    });
    this.handoffPanel = panel;
    if (this.widget) this.widget.hidden = true;
    this.root.querySelector<HTMLElement>('.handoff-offer')?.setAttribute('hidden', '');
    this.root.append(panel);
  }
}

const root = document.getElementById('idv-hosted');
if (root) new HostedPage(root, takeHostedConfig(root)).start();
