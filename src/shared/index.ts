/** The API contract shared by the widget and the server: zod schemas, enums and error codes. */
export * from './api/index.js';
export * from './error-codes.js';
