import { css } from 'lit';

export const captureStepStyles = css`
  .viewfinder {
    position: relative;
    width: 100%;
    aspect-ratio: 4 / 3;
    background: #000;
    border-radius: calc(var(--idv-radius) / 1.5);
    overflow: hidden;
  }
  .viewfinder.mirrored {
    aspect-ratio: 3 / 4;
    max-height: 60vh;
    margin-inline: auto;
  }
  @media (orientation: landscape) and (max-height: 32rem) {
    .viewfinder,
    .viewfinder.mirrored {
      aspect-ratio: auto;
      height: 60vh;
    }
  }
  video {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .mirrored video,
  img.mirrored {
    transform: scaleX(-1);
  }
  .guide {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
  }
  .guide .shade {
    fill: var(--idv-color-overlay);
  }
  .guide .outline > * {
    fill: none;
    stroke: #ffffff;
    stroke-width: 0.8;
    vector-effect: non-scaling-stroke;
    stroke-width: 3px;
    transition: stroke 0.2s ease;
  }
  .guide.ready .outline > * {
    stroke: var(--idv-color-success);
  }
  @media (prefers-reduced-motion: reduce) {
    .guide .outline > * {
      transition: none;
    }
  }
  .hint {
    min-height: 3em;
    margin: 0.75rem 0 0;
    font-weight: 600;
    color: var(--idv-color-text);
  }
  .review-frame {
    position: relative;
  }
  .review-frame .found {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    pointer-events: none;
  }
  .found polygon {
    fill: none;
    stroke-width: 3px;
    stroke-linejoin: round;
    vector-effect: non-scaling-stroke;
  }
  .found.ok polygon {
    stroke: var(--idv-color-success);
  }
  .found.refused polygon {
    stroke: var(--idv-color-danger);
    stroke-dasharray: 8 5;
  }
  .review {
    display: block;
    width: 100%;
    max-height: 60vh;
    object-fit: contain;
    border-radius: calc(var(--idv-radius) / 1.5);
    background: #000;
  }
  .review-note {
    margin-top: 0.75rem;
  }
  .review-note.warn,
  .review-note.warn p,
  .notice {
    color: var(--idv-color-danger);
  }
  .review-note p {
    margin: 0 0 0.25rem;
  }
  .camera-error h3 {
    margin: 0 0 0.5rem;
    color: var(--idv-color-danger);
  }
  .file {
    position: relative;
  }
  [hidden] {
    display: none !important;
  }
`;
