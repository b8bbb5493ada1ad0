import { css } from 'lit';

export const documentTypeStepStyles = css`
  fieldset {
    border: 0;
    margin: 0 0 1rem;
    padding: 0;
    display: grid;
    gap: 0.5rem;
  }
  legend {
    padding: 0;
    font-weight: 600;
    margin-bottom: 0.5rem;
  }
  .choice {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    min-height: 44px;
    padding: 0.5rem 0.9rem;
    border: 1px solid var(--idv-color-border);
    border-radius: calc(var(--idv-radius) / 2);
    cursor: pointer;
  }
  .choice:has(input:checked) {
    border-color: var(--idv-color-primary);
    background: color-mix(in srgb, var(--idv-color-primary) 8%, transparent);
  }
  input[type='radio'] {
    accent-color: var(--idv-color-primary);
    width: 1.1rem;
    height: 1.1rem;
    margin: 0;
  }
  .field {
    display: block;
    font-weight: 600;
    margin-bottom: 0.5rem;
  }
  select {
    font: inherit;
    width: 100%;
    min-height: 44px;
    padding: 0.5rem;
    border-radius: calc(var(--idv-radius) / 2);
    border: 1px solid var(--idv-color-border);
    background: var(--idv-color-surface);
    color: var(--idv-color-text);
  }
`;
