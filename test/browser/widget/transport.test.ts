import { expect } from '@open-wc/testing';
import { backoffDelay, withRetries } from '../../../src/transport/backoff.js';
import { SessionClient } from '../../../src/transport/session-client.js';
import { TransportError } from '../../../src/transport/transport-error.js';
import { type FakeIdvApi, installFakeIdvApi } from '../../support/fake-idv-api.js';

const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 };

describe('transport', () => {
  let api: FakeIdvApi | undefined;
  afterEach(() => {
    api?.uninstall();
    api = undefined;
  });

  it('backoff grows exponentially within [ceiling/2, ceiling] and is capped', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, policy, () => 0)).to.equal(50);
    expect(backoffDelay(1, policy, () => 1)).to.equal(100);
    expect(backoffDelay(3, policy, () => 1)).to.equal(400);
    expect(backoffDelay(10, policy, () => 1)).to.equal(1000);
  });

  it('retries network errors and 5xx, never 4xx', async () => {
    let calls = 0;
    const flaky = await withRetries(async () => {
      calls++;
      if (calls < 3) throw new TransportError('SERVICE_UNAVAILABLE', 'down', { status: 503 });
      return 'ok';
    }, FAST);
    expect(flaky).to.equal('ok');
    expect(calls).to.equal(3);
    calls = 0;
    const refused = await withRetries(async () => {
      calls++;
      throw new TransportError('VALIDATION_FAILED', 'bad', { status: 422 });
    }, FAST).catch((e: unknown) => e);
    expect((refused as TransportError).code).to.equal('VALIDATION_FAILED');
    expect(calls).to.equal(1);
    calls = 0;
    const gone = await withRetries(async () => {
      calls++;
      throw new TransportError('NETWORK_ERROR', 'no answer');
    }, FAST).catch((e: unknown) => e);
    expect((gone as TransportError).code).to.equal('NETWORK_ERROR');
    expect(calls).to.equal(3);
  });

  it('reads the session with the bearer token and follows its links', async () => {
    api = installFakeIdvApi();
    const client = new SessionClient({ token: 'test-token', apiBase: location.origin, retry: FAST });
    const session = await client.loadSession();
    expect(session.account.id).to.equal('acc-fake-1');
    await client.giveConsent({ accepted: true });
    expect(api.state.consent).to.equal(true);
    expect(client.partLink('BACK')!.href).to.match(/\/credentials\/cred-id\/parts\/BACK$/);
    const part = await client.uploadPart(
      client.partLink('FRONT')!,
      new Blob([new Uint8Array(2048)], { type: 'image/jpeg' }),
      {
        idempotencyKey: 'k1',
      },
    );
    expect(part.bytes).to.equal(2048);
    expect(api.requests.at(-1)!.headers['idempotency-key']).to.equal('k1');
  });

  it('turns error bodies into typed errors with the API code', async () => {
    api = installFakeIdvApi({ sessionError: { status: 401, code: 'SESSION_EXPIRED' } });
    const client = new SessionClient({ token: 'test-token', apiBase: location.origin, retry: FAST });
    const error = (await client.loadSession().catch((e: unknown) => e)) as TransportError;
    expect(error).to.be.instanceOf(TransportError);
    expect(error.code).to.equal('SESSION_EXPIRED');
    expect(error.status).to.equal(401);
    expect(error.retriable).to.equal(false);
  });

  it('rejects an answer that does not match the shared schema', async () => {
    const realXhr = window.XMLHttpRequest;
    // A server that answers 200 with the wrong shape.
    class WrongShape extends EventTarget {
      upload = new EventTarget();
      status = 200;
      responseText = JSON.stringify({ account: { id: 1 } });
      timeout = 0;
      open() {}
      setRequestHeader() {}
      abort() {}
      send() {
        setTimeout(() => this.dispatchEvent(new Event('load')));
      }
    }
    window.XMLHttpRequest = WrongShape as unknown as typeof XMLHttpRequest;
    try {
      const client = new SessionClient({ token: 't', apiBase: location.origin, retry: FAST });
      const error = (await client.loadSession().catch((e: unknown) => e)) as TransportError;
      expect(error.code).to.equal('INVALID_RESPONSE');
    } finally {
      window.XMLHttpRequest = realXhr;
    }
  });
});
