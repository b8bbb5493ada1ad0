/**
 * Entry of the hosted page (`/web/v1/app`, served by idv-server; built to `dist/hosted/hosted.js`). The page shell
 * also loads `/sdk/v<version>/idv-capture.js`, which defines `<idv-capture>`.
 *
 * - Iframe flow (framed by an allowed origin): the widget's outcome goes to the parent as a message, the iframe
 *   never navigates away.
 * - Redirect flow (top-level): the widget goes to the success / error URL itself (with `acquisitionStatus`, ids
 *   or `errorCode`).
 * - Cross-device: the widget itself offers "Continue on your phone"; on the phone side (`config.handoff`) the
 *   offer is turned off with `no-handoff`.
 */
import './hosted.css';
import type { IdvEventDetails } from '../widget/events.js';
import { type HostedConfig, takeHostedConfig } from './hosted-config.js';
import { ParentBridge } from './parent-bridge.js';

type IdvCaptureElement = HTMLElement & { navigateTo: (url: string) => void };

class HostedPage {
  private readonly bridge: ParentBridge;
  private readonly ids: { accountId?: string; workflowExecutionId?: string };
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
    if (this.config.handoff) widget.setAttribute('no-handoff', '');
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
    });
    widget.addEventListener('idv-cancel', (event) => {
      if (this.staysOnPage) event.preventDefault();
      this.bridge.post({ type: 'cancel', ...this.ids, reason: event.detail.reason });
    });
    this.root.append(widget);
  }

  private complete(detail: IdvEventDetails['idv-complete']): void {
    if (this.finished) return;
    this.finished = true;
    this.bridge.post({ type: 'success', ...detail });
  }
}

const root = document.getElementById('idv-hosted');
if (root) new HostedPage(root, takeHostedConfig(root)).start();
