export * from './accounts.js';
export * from './common.js';
export * from './oauth.js';
export * from './operations.js';
export * from './retrieval.js';
export * from './session.js';
export * from './handoff.js';
export * from './liveness.js';
