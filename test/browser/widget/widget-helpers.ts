/** Shared helpers of the widget tests: mount the element against the fake API, reach into its steps. */
import { fixture, html, waitUntil } from '@open-wc/testing';
import { nothing } from 'lit';
import '../../../src/widget/idv-capture/idv-capture.js';
import type { IdvCapture } from '../../../src/widget/idv-capture/idv-capture.js';
import type { IdvEventDetails, IdvEventName, StepId } from '../../../src/widget/events.js';

export const FAST_RETRIES = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

export interface Mounted {
  el: IdvCapture;
  events: Array<{ type: IdvEventName; detail: unknown }>;
  navigations: string[];
  of<K extends IdvEventName>(type: K): IdvEventDetails[K][];
}

export async function mountWidget(
  attributes: {
    locale?: string | null;
    errorUrl?: string;
    successUrl?: string;
    manualAfterMs?: number;
    token?: string;
  } = {},
): Promise<Mounted> {
  const events: Mounted['events'] = [];
  const navigations: string[] = [];
  const record = (e: Event) =>
    events.push({ type: e.type as IdvEventName, detail: (e as CustomEvent).detail });
  const el = await fixture<IdvCapture>(html`<idv-capture
    token=${attributes.token ?? 'test-token'}
    api-base=${location.origin}
    asset-base="/dist/assets"
    locale=${attributes.locale === null ? nothing : (attributes.locale ?? 'en')}
    error-url=${attributes.errorUrl ?? ''}
    success-url=${attributes.successUrl ?? ''}
    .manualAfterMs=${attributes.manualAfterMs}
    .retryPolicy=${FAST_RETRIES}
    .navigateTo=${(url: string) => navigations.push(url)}
    @idv-ready=${record}
    @idv-step-change=${record}
    @idv-capture=${record}
    @idv-upload-progress=${record}
    @idv-complete=${record}
    @idv-error=${record}
    @idv-cancel=${record}
  ></idv-capture>`);
  return {
    el,
    events,
    navigations,
    of: <K extends IdvEventName>(type: K) =>
      events.filter((e) => e.type === type).map((e) => e.detail as IdvEventDetails[K]),
  };
}

export async function untilStep(el: IdvCapture, step: StepId, timeout = 15_000): Promise<void> {
  await waitUntil(() => el.step === step, `step ${step} (now ${el.step})`, { timeout });
  await el.updateComplete;
}

/** The element of the current step, once rendered. */
export async function stepElement<T extends HTMLElement = HTMLElement>(
  el: IdvCapture,
  tag: string,
): Promise<T> {
  await waitUntil(() => el.shadowRoot!.querySelector(tag), `${tag} rendered`, { timeout: 15_000 });
  const step = el.shadowRoot!.querySelector(tag) as T & { updateComplete?: Promise<unknown> };
  await step.updateComplete;
  return step;
}

export function buttonByText(root: ParentNode, text: string | RegExp): HTMLButtonElement {
  const buttons = [...root.querySelectorAll('button')];
  const found = buttons.find((b) =>
    typeof text === 'string' ? b.textContent!.trim() === text : text.test(b.textContent!),
  );
  if (!found)
    throw new Error(
      `No button ${text}; have: ${buttons.map((b) => b.textContent!.trim()).join(' | ')} in: ${(root as Element).textContent?.replace(/\s+/g, ' ')}`,
    );
  return found;
}

/** Puts a file into a file input the way a user's pick would. */
export function chooseFile(input: HTMLInputElement, file: File): void {
  const transfer = new DataTransfer();
  transfer.items.add(file);
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

export async function fixtureFile(url: string, name = 'photo.png'): Promise<File> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} is missing (run npm run fixtures)`);
  const blob = await res.blob();
  return new File([blob], name, { type: blob.type || 'image/png' });
}
