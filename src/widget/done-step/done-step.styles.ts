import { css } from 'lit';

export const doneStepStyles = css`
  section {
    text-align: center;
  }
  .mark {
    width: 3.5rem;
    height: 3.5rem;
    margin: 0.5rem auto 1rem;
    border-radius: 50%;
    display: grid;
    place-items: center;
    font-size: 2rem;
    background: var(--idv-color-success);
    color: var(--idv-color-on-primary);
  }
`;
