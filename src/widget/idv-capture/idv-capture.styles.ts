import { css } from 'lit';

/**
 * Light palette on `:host`; `theme="dark"` (or `theme="auto"` with a dark system setting) swaps in the dark one.
 * Pages can set any `--idv-*` property themselves instead.
 */
export const idvCaptureStyles = css`
  :host {
    --idv-color-primary: #1f5eff;
    --idv-color-on-primary: #ffffff;
    --idv-color-surface: #ffffff;
    --idv-color-text: #1a1d24;
    --idv-color-muted: #4f5666;
    --idv-color-border: #c9ced8;
    --idv-color-danger: #b3261e;
    --idv-color-success: #1b7f3b;
    --idv-color-overlay: rgb(0 0 0 / 0.55);
    --idv-radius: 12px;
    --idv-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    --idv-max-width: 32rem;
    --idv-panel-padding: clamp(1rem, 4vw, 1.5rem);
    display: block;
    box-sizing: border-box;
    width: 100%;
    max-width: var(--idv-max-width);
    min-width: 0;
    font-family: var(--idv-font);
    color: var(--idv-color-text);
  }
  :host([theme='dark']) {
    color-scheme: dark;
    --idv-color-primary: #8fb0ff;
    --idv-color-on-primary: #0b1530;
    --idv-color-surface: #15181f;
    --idv-color-text: #eceef3;
    --idv-color-muted: #b4bac7;
    --idv-color-border: #3b4150;
    --idv-color-danger: #ffb4ab;
    --idv-color-success: #7dd89b;
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      color-scheme: dark;
      --idv-color-primary: #8fb0ff;
      --idv-color-on-primary: #0b1530;
      --idv-color-surface: #15181f;
      --idv-color-text: #eceef3;
      --idv-color-muted: #b4bac7;
      --idv-color-border: #3b4150;
      --idv-color-danger: #ffb4ab;
      --idv-color-success: #7dd89b;
    }
  }
  [part='panel'] {
    background: var(--idv-color-surface);
    border-radius: var(--idv-radius);
    padding: var(--idv-panel-padding);
    box-shadow: 0 1px 3px rgb(0 0 0 / 0.12);
  }
  [part='progress-indicator'] {
    margin: 0 0 0.75rem;
    font-size: 0.8125rem;
    color: var(--idv-color-muted);
  }
  .loading {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    min-height: 6rem;
    color: var(--idv-color-muted);
  }
  .spinner {
    width: 1.25rem;
    height: 1.25rem;
    border-radius: 50%;
    border: 3px solid var(--idv-color-border);
    border-top-color: var(--idv-color-primary);
    animation: spin 0.9s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
    }
  }
  h2 {
    margin: 0 0 0.75rem;
    font-size: 1.25rem;
    outline: none;
  }
  p {
    color: var(--idv-color-muted);
    line-height: 1.5;
  }
`;
