import { css } from 'lit';

export const consentStepStyles = css`
  ul {
    margin: 0 0 1rem;
    padding-inline-start: 1.25rem;
    line-height: 1.6;
  }
  .legal {
    font-size: 0.875rem;
  }
`;
