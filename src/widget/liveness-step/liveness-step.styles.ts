// The placeholder uses the shared step styles only; the real liveness screen brings its own.
export { stepStyles as livenessStepStyles } from '../step-styles.js';
