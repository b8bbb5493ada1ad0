export * from './backoff.js';
export * from './http-exchange.js';
export * from './part-upload-queue.js';
export * from './session-client.js';
export * from './transport-error.js';
