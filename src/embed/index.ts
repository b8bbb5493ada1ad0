/** `idv-capture/embed`: the parent-page helper of the iframe flow. No dependencies, no custom elements. */
export {
  EmbedError,
  type HostedMessage,
  type MountedVerification,
  type MountVerificationOptions,
  mountVerification,
  type VerificationCallbacks,
} from './mount-verification.js';
