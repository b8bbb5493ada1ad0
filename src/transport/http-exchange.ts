import { TransportError } from './transport-error.js';

export interface HttpExchangeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: XMLHttpRequestBodyInit;
  /** Bytes sent so far of the request body (uploads). */
  onUploadProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface HttpExchangeAnswer {
  status: number;
  text: string;
}

/**
 * One HTTP request through XMLHttpRequest: the only browser API that reports upload progress. Any answer resolves
 * (the caller reads the status); only the absence of an answer rejects, with a {@link TransportError}.
 */
export function httpExchange(request: HttpExchangeRequest): Promise<HttpExchangeAnswer> {
  return new Promise((resolve, reject) => {
    if (request.signal?.aborted) {
      reject(new TransportError('ABORTED', 'Request aborted'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.timeout = request.timeoutMs ?? 60_000;
    const onAbort = () => xhr.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => request.signal?.removeEventListener('abort', onAbort);
    if (request.onUploadProgress) {
      const report = request.onUploadProgress;
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) report(e.loaded, e.total);
      });
    }
    xhr.addEventListener('load', () => {
      done();
      resolve({ status: xhr.status, text: xhr.responseText });
    });
    xhr.addEventListener('error', () => {
      done();
      reject(new TransportError('NETWORK_ERROR', `Network error on ${request.method} request`));
    });
    xhr.addEventListener('timeout', () => {
      done();
      reject(new TransportError('TIMEOUT', `Timed out on ${request.method} request`));
    });
    xhr.addEventListener('abort', () => {
      done();
      reject(new TransportError('ABORTED', 'Request aborted'));
    });
    xhr.send(request.body ?? null);
  });
}
