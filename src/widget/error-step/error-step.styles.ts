import { css } from 'lit';

export const errorStepStyles = css`
  [role='alert'] h2 {
    color: var(--idv-color-danger);
  }
`;
