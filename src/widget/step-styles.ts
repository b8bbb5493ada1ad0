import { css } from 'lit';

/** Styles every step shares: headings, text, actions. Colours come from the `--idv-*` properties of the host. */
export const stepStyles = css`
  :host {
    display: block;
  }
  h2 {
    margin: 0 0 0.75rem;
    font-size: var(--idv-heading-size, 1.25rem);
    line-height: 1.3;
    outline: none;
  }
  h2:focus-visible {
    outline: 3px solid var(--idv-focus-ring, color-mix(in srgb, var(--idv-color-primary) 45%, transparent));
    outline-offset: 2px;
  }
  p {
    color: var(--idv-color-muted);
    line-height: 1.5;
    margin: 0 0 1rem;
  }
  .actions {
    display: flex;
    gap: 0.75rem;
    flex-wrap: wrap;
    margin-top: 1.25rem;
  }
  button,
  .button {
    font: inherit;
    min-height: 44px;
    border-radius: calc(var(--idv-radius) / 2);
    padding: 0.65rem 1.1rem;
    border: 1px solid var(--idv-color-primary);
    background: transparent;
    color: var(--idv-color-primary);
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    text-decoration: none;
    box-sizing: border-box;
  }
  button.primary {
    background: var(--idv-color-primary);
    color: var(--idv-color-on-primary);
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  button:focus-visible,
  .button:focus-within,
  select:focus-visible,
  input:focus-visible {
    outline: 3px solid var(--idv-focus-ring, color-mix(in srgb, var(--idv-color-primary) 45%, transparent));
    outline-offset: 2px;
  }
  @media (max-width: 24rem) {
    .actions > * {
      flex: 1 1 100%;
    }
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
