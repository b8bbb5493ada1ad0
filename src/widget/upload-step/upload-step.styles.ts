import { css } from 'lit';

export const uploadStepStyles = css`
  .parts {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.9rem;
  }
  .row {
    display: flex;
    justify-content: space-between;
    gap: 1rem;
    margin-bottom: 0.35rem;
  }
  .status {
    color: var(--idv-color-muted);
    font-size: 0.875rem;
  }
  progress {
    width: 100%;
    height: 0.5rem;
    accent-color: var(--idv-color-primary);
  }
  .live {
    min-height: 1.5em;
    margin-top: 1rem;
  }
`;
