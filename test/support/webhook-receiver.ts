/** A customer's webhook endpoint for tests: a real local HTTP server that records raw bodies and headers. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../../src/server/clock.js';

export interface ReceivedCallback {
  body: string;
  headers: IncomingHttpHeaders;
  answeredWith: number;
}

export type WebhookReceiver = Awaited<ReturnType<typeof startReceiver>>;

/** Answers from a script of status codes (the last one repeats). */
export async function startReceiver(statuses: number[], path = '/idv/callback') {
  const received: ReceivedCallback[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answeredWith = statuses[Math.min(received.length, statuses.length - 1)] ?? 200;
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, answeredWith });
      res.writeHead(answeredWith).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    origin: `http://127.0.0.1:${port}`,
    received,
    /** Resolves once `count` callbacks have arrived; the test's own timeout bounds the wait. */
    async waitFor(count: number): Promise<ReceivedCallback[]> {
      while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Verifies the Standard Webhooks signature over the raw bytes (throws if wrong) and returns the parsed body. */
export function verifiedBody(secret: string, callback: ReceivedCallback): unknown {
  const headers = {
    'webhook-id': String(callback.headers['webhook-id']),
    'webhook-timestamp': String(callback.headers['webhook-timestamp']),
    'webhook-signature': String(callback.headers['webhook-signature']),
  };
  new Webhook(secret).verify(callback.body, headers);
  return JSON.parse(callback.body);
}

/**
 * standardwebhooks' own `verify` over the raw bytes, as of `clock`: the library checks the timestamp against the wall
 * clock (±5 min) and an outbox under test signs with its injected clock.
 */
export function verifiedAt(
  clock: Clock,
  secret: string,
  request: { rawBody: string | Buffer; headers: unknown },
): unknown {
  const realNow = Date.now;
  Date.now = () => clock.now().getTime();
  try {
    return new Webhook(secret).verify(request.rawBody, request.headers as Record<string, string>);
  } finally {
    Date.now = realNow;
  }
}
