import { css } from 'lit';

export const handoffStyles = css`
  :host {
    display: block;
    box-sizing: border-box;
    color: var(--idv-color-text, #1a1d24);
    font-family: var(--idv-font, system-ui, sans-serif);
    --idv-color-primary: #1f5eff;
    --idv-color-on-primary: #ffffff;
    --idv-color-surface: #ffffff;
    --idv-color-muted: #4f5666;
    --idv-color-border: #c9ced8;
    --idv-color-danger: #b3261e;
    --idv-color-success: #1b7f3b;
    --idv-radius: 12px;
  }
  :host([theme='dark']) {
    --idv-color-primary: #8fb0ff;
    --idv-color-on-primary: #0b1530;
    --idv-color-surface: #15181f;
    --idv-color-text: #eceef3;
    --idv-color-muted: #b4bac7;
    --idv-color-border: #3b4150;
    --idv-color-danger: #ffb4ab;
    --idv-color-success: #7dd89b;
  }
  [part='panel'] {
    background: var(--idv-color-surface);
    border-radius: var(--idv-radius);
    padding: var(--idv-panel-padding, clamp(1rem, 4vw, 1.5rem));
    text-align: center;
  }
  /* Focused only by script, when the view opens, so screen readers announce it. */
  [part='panel']:focus {
    outline: none;
  }
  h2 {
    margin: 0 0 0.75rem;
    font-size: 1.25rem;
    outline: none;
  }
  p {
    color: var(--idv-color-muted);
    line-height: 1.5;
    margin: 0 0 1rem;
  }
  [part='qr-code'] {
    width: min(14rem, 70vw);
    margin: 0 auto 1rem;
    padding: 0.5rem;
    background: #ffffff;
    border-radius: 8px;
  }
  [part='qr-code'] svg {
    display: block;
    width: 100%;
    height: auto;
  }
  [part='link'] {
    font-family: ui-monospace, monospace;
    word-break: break-all;
    color: var(--idv-color-text);
  }
  [part='status'] {
    font-weight: 600;
    color: var(--idv-color-text);
  }
  .error {
    color: var(--idv-color-danger);
  }
  .mark {
    width: 3rem;
    height: 3rem;
    margin: 0.5rem auto 1rem;
    border-radius: 50%;
    display: grid;
    place-items: center;
    font-size: 1.6rem;
    background: var(--idv-color-success);
    color: var(--idv-color-on-primary);
  }
  .actions {
    display: flex;
    gap: 0.75rem;
    justify-content: center;
    flex-wrap: wrap;
  }
  button {
    font: inherit;
    min-height: 44px;
    padding: 0.6rem 1.1rem;
    border-radius: var(--idv-radius);
    cursor: pointer;
  }
  [part='primary-button'] {
    border: 0;
    background: var(--idv-color-primary);
    color: var(--idv-color-on-primary);
  }
  [part='secondary-button'] {
    border: 1px solid var(--idv-color-border);
    background: transparent;
    color: var(--idv-color-text);
  }
  button:focus-visible {
    outline: 3px solid color-mix(in srgb, var(--idv-color-primary) 45%, transparent);
    outline-offset: 2px;
  }
`;
