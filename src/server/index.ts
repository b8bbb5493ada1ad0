/** idv-server as a library: build the app in-process or start a listening server. */
export { type CreateAppOptions, createApp, type IdvApp } from './app.js';
export type { BlobStore } from './blobs/blob-store.js';
export { FileSystemBlobStore } from './blobs/fs-blob-store.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { loadConfig, type ServerConfig } from './config.js';
export { ApiError } from './errors.js';
export { type RunningServer, type StartServerOptions, startServer } from './server.js';
