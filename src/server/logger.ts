/** Structured logs (pino). Callers log ids, routes, statuses and timings only: never tokens, bodies or references. */
import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'idv-server' },
    // Belt and braces: should a header object ever be logged, credentials are masked.
    redact: {
      paths: ['authorization', '*.authorization', 'headers.authorization', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}
