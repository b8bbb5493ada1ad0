import { css } from 'lit';

export const idvCaptureStyles = css`
  :host {
    --idv-color-primary: #1f5eff;
    --idv-color-on-primary: #ffffff;
    --idv-color-surface: #ffffff;
    --idv-color-text: #1a1d24;
    --idv-color-muted: #5b6272;
    --idv-radius: 12px;
    --idv-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    display: block;
    max-width: 32rem;
    font-family: var(--idv-font);
    color: var(--idv-color-text);
  }
  [part='panel'] {
    background: var(--idv-color-surface);
    border-radius: var(--idv-radius);
    padding: 1.5rem;
    box-shadow: 0 1px 3px rgb(0 0 0 / 0.12);
  }
  h2 {
    margin: 0 0 0.75rem;
    font-size: 1.25rem;
  }
  p {
    color: var(--idv-color-muted);
    line-height: 1.5;
  }
  .actions {
    display: flex;
    gap: 0.75rem;
    flex-wrap: wrap;
  }
  button {
    font: inherit;
    border-radius: calc(var(--idv-radius) / 2);
    padding: 0.65rem 1.1rem;
    border: 1px solid var(--idv-color-primary);
    background: transparent;
    color: var(--idv-color-primary);
    cursor: pointer;
  }
  button[part~='primary-button'] {
    background: var(--idv-color-primary);
    color: var(--idv-color-on-primary);
  }
  button:focus-visible {
    outline: 3px solid color-mix(in srgb, var(--idv-color-primary) 45%, transparent);
    outline-offset: 2px;
  }
`;
