import { css } from 'lit';

/** The liveness screen on top of the shared step and capture styles: the cue over the video, the instruction. */
export const livenessStepStyles = css`
  .fine-print {
    font-size: 0.875rem;
  }
  .stage {
    position: relative;
  }
  .cue {
    position: absolute;
    top: 2%;
    left: 50%;
    width: 4.5rem;
    height: 4.5rem;
    margin-left: -2.25rem;
    border-radius: 50%;
    display: grid;
    place-items: center;
    /* The ring fills as the action gets done. */
    background:
      radial-gradient(closest-side, rgb(0 0 0 / 0.6) 84%, transparent 86%),
      conic-gradient(var(--idv-color-success) var(--progress, 0%), rgb(255 255 255 / 0.35) 0);
  }
  .cue[data-cue='turn-left'] {
    left: 12%;
    top: 40%;
    margin-left: 0;
  }
  .cue[data-cue='turn-right'] {
    left: auto;
    right: 12%;
    top: 40%;
    margin-left: 0;
  }
  .cue-icon {
    width: 2.5rem;
    height: 2.5rem;
    fill: none;
    stroke: #ffffff;
    stroke-width: 4;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  .cue[data-cue='turn-left'] .cue-icon {
    animation: idv-nudge-left 1.2s ease-in-out infinite;
  }
  .cue[data-cue='turn-right'] .cue-icon {
    animation: idv-nudge-right 1.2s ease-in-out infinite;
  }
  .cue[data-cue='look-up'] .cue-icon {
    animation: idv-nudge-up 1.2s ease-in-out infinite;
  }
  .cue[data-cue='move-closer'] .cue-icon {
    animation: idv-grow 1.2s ease-in-out infinite;
  }
  .cue[data-cue='blink'] .cue-icon {
    animation: idv-blink 1.6s ease-in-out infinite;
  }
  @keyframes idv-nudge-left {
    50% {
      transform: translateX(-8px);
    }
  }
  @keyframes idv-nudge-right {
    50% {
      transform: translateX(8px);
    }
  }
  @keyframes idv-nudge-up {
    50% {
      transform: translateY(-8px);
    }
  }
  @keyframes idv-grow {
    50% {
      transform: scale(1.2);
    }
  }
  @keyframes idv-blink {
    45%,
    55% {
      transform: scaleY(0.15);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .cue .cue-icon {
      animation: none !important;
    }
  }
  .instruction {
    margin: 0.75rem 0 0;
    font-size: 1.125rem;
    font-weight: 600;
    color: var(--idv-color-text);
    min-height: 1.5em;
  }
  .hint {
    min-height: 1.5em;
    margin-top: 0.25rem;
    font-weight: 400;
    color: var(--idv-color-muted);
  }
  .progress-dots {
    display: flex;
    justify-content: center;
    gap: 0.5rem;
    list-style: none;
    padding: 0;
    margin: 0.75rem 0 0;
  }
  .progress-dots li {
    width: 0.625rem;
    height: 0.625rem;
    border-radius: 50%;
    border: 2px solid var(--idv-color-border);
  }
  .progress-dots li.current {
    border-color: var(--idv-color-primary);
  }
  .progress-dots li.done {
    border-color: var(--idv-color-success);
    background: var(--idv-color-success);
  }
`;
