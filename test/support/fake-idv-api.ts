/**
 * An in-page fake of the widget-facing HTTP API for browser tests: it replaces `XMLHttpRequest` and `fetch`, keeps
 * a tiny server state (consent, document, parts, status) and answers with bodies checked against the shared zod
 * schemas, so the widget's real transport code runs unchanged. Network trouble is scripted: failed requests,
 * slow uploads with progress, going offline and back.
 *
 * @example
 *   const api = installFakeIdvApi({ allowedTypes: ['PASSPORT'], allowedCountries: ['DEU'] });
 *   // … mount <idv-capture token="t" api-base=${location.origin}> …
 *   api.uninstall();
 */
import { ApiErrorBody, type DocumentType, type PartClassifier } from '../../src/shared/api/common.js';
import {
  ConsentResponse,
  DocumentSelectionResponse,
  FinalizeResponse,
  PartUploadResponse,
  SessionResponse,
  type UploadedPart,
} from '../../src/shared/api/session.js';
import type { ApiErrorCode } from '../../src/shared/error-codes.js';
import { HandoffResponse } from '../../src/shared/api/handoff.js';
import {
  type LivenessAction,
  LivenessChallengeResponse,
  LivenessCompleteResponse,
  LivenessFrameMeta,
  LivenessFrameResponse,
  type LivenessStatus,
} from '../../src/shared/api/liveness.js';

export interface FakeIdvApiOptions {
  token?: string;
  allowedTypes?: DocumentType[];
  /** `null`: any country. */
  allowedCountries?: string[] | null;
  /** Credentials of the execution (default: an ID and a SELFIE). */
  categories?: Array<'ID' | 'SELFIE' | 'FACEMAP'>;
  consentGiven?: boolean;
  chosen?: { type: DocumentType; country: string } | null;
  /** Parts the server already has (resume). */
  uploaded?: PartClassifier[];
  status?: SessionResponse['workflowExecution']['status'];
  locale?: string;
  successUrl?: string;
  errorUrl?: string;
  /** The first N part uploads end in a network error (no answer). */
  failUploads?: number;
  /** The first N part uploads get a 503. */
  unavailableUploads?: number;
  /** The first N `GET /session` requests end in a network error. */
  failSessionLoads?: number;
  /** Answer `GET /session` with this error. */
  sessionError?: { status: number; code: ApiErrorCode };
  /** Answer part uploads with this error (e.g. 422 IMAGE_TOO_SMALL), once per listed entry. */
  rejectUploads?: Array<{ status: number; code: ApiErrorCode }>;
  /** The session's liveness: `NOT_REQUIRED` (default) leaves the step out of the flow. */
  liveness?: { mode: 'passive' | 'passive_active'; status: LivenessStatus };
  /** Actions of the challenges handed out, in order (the last one repeats); default `['turn-left']`. */
  livenessChallenges?: LivenessAction[][];
  /** The server's answers to `complete`, in order (the last one repeats); default `DONE`. */
  livenessAnswers?: Array<'DONE' | 'RETRY' | 'EXHAUSTED'>;
  /** Upload progress events per request (default 4), `uploadStepMs` apart (default 5). */
  progressSteps?: number;
  uploadStepMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Bytes of the uploaded file, for part uploads. */
  fileBytes?: number;
  /** The parsed `meta` field of a liveness frame upload. */
  meta?: LivenessFrameMeta;
  status: number | 'network-error';
}

export interface FakeIdvApi {
  readonly requests: RecordedRequest[];
  /** The server's parts, by classifier. */
  readonly parts: Map<PartClassifier, UploadedPart>;
  readonly state: {
    consent: boolean | undefined;
    document: { type: DocumentType; country: string } | null;
    status: SessionResponse['workflowExecution']['status'];
    metadata: unknown;
    liveness: LivenessStatus;
    /** Challenges handed out so far, newest last. */
    challenges: Array<{ id: string; nonce: string; actions: LivenessAction[]; completed: boolean }>;
  };
  /** Makes `navigator.onLine` false and every request fail until {@link goOnline}. */
  goOffline(): void;
  goOnline(): void;
  uninstall(): void;
}

const ACCOUNT_ID = 'acc-fake-1';
const EXECUTION_ID = 'wfe-fake-1';
const CREDENTIAL_IDS = { ID: 'cred-id', SELFIE: 'cred-selfie', FACEMAP: 'cred-facemap' } as const;
const CLASSIFIERS = { ID: ['FRONT', 'BACK'], SELFIE: ['FACE'], FACEMAP: ['FACE'] } as const;

interface FakeAnswer {
  status: number;
  body?: unknown;
}

function apiError(status: number, code: ApiErrorCode, message: string, issues?: unknown[]): FakeAnswer {
  return { status, body: ApiErrorBody.parse({ error: { code, message, ...(issues ? { issues } : {}) } }) };
}

export function installFakeIdvApi(options: FakeIdvApiOptions = {}): FakeIdvApi {
  const origin = location.origin;
  const token = options.token ?? 'test-token';
  const categories = options.categories ?? ['ID', 'SELFIE'];
  const requests: RecordedRequest[] = [];
  const parts = new Map<PartClassifier, UploadedPart>();
  const idempotent = new Map<string, FakeAnswer>();
  const state: FakeIdvApi['state'] = {
    consent: options.consentGiven ? true : undefined,
    document: options.chosen ?? null,
    status: options.status ?? 'INITIATED',
    metadata: undefined,
    liveness: options.liveness?.status ?? 'NOT_REQUIRED',
    challenges: [],
  };
  const now = () => new Date().toISOString();
  for (const classifier of options.uploaded ?? []) {
    const category = classifier === 'FACE' ? 'SELFIE' : 'ID';
    parts.set(classifier, {
      credentialId: CREDENTIAL_IDS[category],
      classifier,
      sha256: '0'.repeat(64),
      mime: 'image/jpeg',
      width: 1600,
      height: 1000,
      bytes: 1234,
      uploadedAt: now(),
    });
  }
  let failUploads = options.failUploads ?? 0;
  let failSessionLoads = options.failSessionLoads ?? 0;
  let unavailableUploads = options.unavailableUploads ?? 0;
  const rejectUploads = [...(options.rejectUploads ?? [])];
  let offline = false;
  let handoffLinks = 0;

  const partHref = (category: keyof typeof CREDENTIAL_IDS, classifier: string) =>
    `${origin}/api/v1/accounts/${ACCOUNT_ID}/workflow-executions/${EXECUTION_ID}/credentials/${CREDENTIAL_IDS[category]}/parts/${classifier}`;

  function session(): SessionResponse {
    return SessionResponse.parse({
      account: { id: ACCOUNT_ID },
      workflowExecution: { id: EXECUTION_ID, status: state.status, definitionKey: 10011 },
      credentials: categories.map((category) => ({
        id: CREDENTIAL_IDS[category],
        category,
        classifiers: [...CLASSIFIERS[category]],
      })),
      document: {
        allowedTypes: options.allowedTypes ?? ['ID_CARD', 'PASSPORT'],
        allowedCountries: options.allowedCountries === undefined ? ['DEU', 'FRA'] : options.allowedCountries,
        chosen: state.document,
      },
      liveness: { mode: options.liveness?.mode ?? 'passive', status: state.liveness },
      locale: options.locale ?? 'en',
      web: {
        ...(options.successUrl ? { successUrl: options.successUrl } : {}),
        ...(options.errorUrl ? { errorUrl: options.errorUrl } : {}),
      },
      consent: state.consent === undefined ? { given: false } : { given: state.consent, at: now() },
      parts: [...parts.values()],
      expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      tokenExpiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      links: {
        session: `${origin}/api/v1/session`,
        consent: `${origin}/api/v1/session/consent`,
        document: `${origin}/api/v1/session/document`,
        captureMetadata: `${origin}/api/v1/session/capture-metadata`,
        finalize: `${origin}/api/v1/accounts/${ACCOUNT_ID}/workflow-executions/${EXECUTION_ID}`,
        ...(state.liveness === 'NOT_REQUIRED' ? {} : { liveness: `${origin}/api/v1/session/liveness` }),
        parts: categories.flatMap((category) =>
          CLASSIFIERS[category].map((classifier) => ({
            credentialId: CREDENTIAL_IDS[category],
            classifier,
            href: partHref(category, classifier),
          })),
        ),
      },
    });
  }

  function requiredParts(): PartClassifier[] {
    const required: PartClassifier[] = [];
    if (categories.includes('ID')) required.push('FRONT');
    if (categories.includes('ID') && state.document?.type !== 'PASSPORT') required.push('BACK');
    if (categories.includes('SELFIE')) required.push('FACE');
    return required;
  }

  function livenessPending(): boolean {
    return state.liveness === 'REQUIRED';
  }

  /** The server: route, check the token, answer. */
  function handle(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: unknown,
    file?: Blob,
    frameMeta?: unknown,
  ): FakeAnswer {
    if (headers.authorization !== `Bearer ${token}`) return apiError(401, 'INVALID_TOKEN', 'Bad token');
    if (method === 'GET' && path === '/api/v1/session') {
      if (options.sessionError)
        return apiError(options.sessionError.status, options.sessionError.code, 'Scripted');
      return { status: 200, body: session() };
    }
    if (method === 'POST' && path === '/api/v1/session/consent') {
      const accepted = (body as { accepted: boolean }).accepted;
      state.consent = accepted;
      return { status: 200, body: ConsentResponse.parse({ consent: { given: accepted, at: now() } }) };
    }
    if (method === 'PUT' && path === '/api/v1/session/document') {
      const choice = body as { type: DocumentType; country: string };
      const allowedCountries =
        options.allowedCountries === undefined ? ['DEU', 'FRA'] : options.allowedCountries;
      if (
        !(options.allowedTypes ?? ['ID_CARD', 'PASSPORT']).includes(choice.type) ||
        (allowedCountries && !allowedCountries.includes(choice.country))
      ) {
        return apiError(422, 'DOCUMENT_TYPE_NOT_ALLOWED', 'Not allowed');
      }
      state.document = choice;
      return { status: 200, body: DocumentSelectionResponse.parse({ document: choice }) };
    }
    if (method === 'POST' && path === '/api/v1/session/handoff') {
      // A fresh single-use link per request, as the real server does; the phone side is not faked.
      handoffLinks += 1;
      const link = HandoffResponse.parse({
        url: `${origin}/web/v1/handoff/fake-code-${handoffLinks}`,
        expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
      });
      return { status: 201, body: link };
    }
    if (method === 'POST' && path === '/api/v1/session/liveness') {
      if (state.liveness === 'NOT_REQUIRED') return apiError(409, 'LIVENESS_NOT_REQUIRED', 'Not required');
      if (state.liveness === 'EXHAUSTED')
        return apiError(409, 'LIVENESS_ATTEMPTS_EXHAUSTED', 'No attempts left');
      const scripted = options.livenessChallenges ?? [['turn-left']];
      const actions = scripted[Math.min(state.challenges.length, scripted.length - 1)]!;
      const id = `chl-${state.challenges.length + 1}`;
      const nonce = `nonce-${state.challenges.length + 1}`;
      state.challenges.push({ id, nonce, actions, completed: false });
      const base = `${origin}/api/v1/session/liveness/${id}`;
      return {
        status: 201,
        body: LivenessChallengeResponse.parse({
          challenge: {
            id,
            mode: options.liveness?.mode ?? 'passive_active',
            nonce,
            actions,
            ...(actions.length === 0 ? { burstFrames: 3 } : {}),
            issuedAt: now(),
            expiresAt: new Date(Date.now() + 3 * 60_000).toISOString(),
            attemptsLeft: 5 - state.challenges.length,
            links: { frames: `${base}/frames`, complete: `${base}/complete` },
          },
        }),
      };
    }
    const livenessMatch = path.match(/^\/api\/v1\/session\/liveness\/([^/]+)\/(frames|complete)$/);
    if (method === 'POST' && livenessMatch) {
      const challenge = state.challenges.find((c) => c.id === livenessMatch[1]);
      if (!challenge) return apiError(404, 'NOT_FOUND', 'No such challenge');
      if (challenge.completed) return apiError(409, 'CHALLENGE_ALREADY_USED', 'Used');
      if (livenessMatch[2] === 'frames') {
        const meta = LivenessFrameMeta.safeParse(frameMeta);
        if (!meta.success || !file) return apiError(422, 'VALIDATION_FAILED', 'Bad frame');
        if (meta.data.nonce !== challenge.nonce) return apiError(409, 'NONCE_MISMATCH', 'Nonce');
        return {
          status: 201,
          body: LivenessFrameResponse.parse({
            frame: { index: meta.data.index, sha256: 'e'.repeat(64), bytes: file.size },
          }),
        };
      }
      if ((body as { nonce?: string } | undefined)?.nonce !== challenge.nonce)
        return apiError(409, 'NONCE_MISMATCH', 'Nonce');
      challenge.completed = true;
      const answers = options.livenessAnswers ?? ['DONE'];
      const completed = state.challenges.filter((c) => c.completed).length;
      const status = answers[Math.min(completed - 1, answers.length - 1)]!;
      if (status !== 'RETRY') state.liveness = status;
      return {
        status: 200,
        body: LivenessCompleteResponse.parse({
          liveness: { status, attemptsLeft: status === 'EXHAUSTED' ? 0 : 5 - state.challenges.length },
        }),
      };
    }
    if (method === 'POST' && path === '/api/v1/session/capture-metadata') {
      state.metadata = body;
      return { status: 200, body: { captureMetadata: { receivedAt: now() } } };
    }
    const partMatch = path.match(/\/credentials\/([^/]+)\/parts\/(FRONT|BACK|FACE)$/);
    if ((method === 'PUT' || method === 'POST') && partMatch) {
      const key = headers['idempotency-key'];
      if (key && idempotent.has(key)) return idempotent.get(key)!;
      const rejection = rejectUploads.shift();
      if (rejection) return apiError(rejection.status, rejection.code, 'Scripted rejection');
      const classifier = partMatch[2] as PartClassifier;
      const part: UploadedPart = {
        credentialId: partMatch[1]!,
        classifier,
        sha256: 'f'.repeat(64),
        mime: file?.type || 'image/jpeg',
        width: 1600,
        height: 1000,
        bytes: file?.size ?? 0,
        uploadedAt: now(),
      };
      const answer = { status: parts.has(classifier) ? 200 : 201, body: PartUploadResponse.parse({ part }) };
      parts.set(classifier, part);
      if (key) idempotent.set(key, answer);
      return answer;
    }
    if (method === 'PUT' && path === `/api/v1/accounts/${ACCOUNT_ID}/workflow-executions/${EXECUTION_ID}`) {
      if (!state.consent) return apiError(409, 'CONSENT_REQUIRED', 'No consent');
      const missing = requiredParts().filter((classifier) => !parts.has(classifier));
      if (missing.length > 0) return apiError(422, 'MISSING_PARTS', 'Missing', missing);
      if (livenessPending()) return apiError(422, 'MISSING_PARTS', 'Liveness not done');
      state.status = 'ACQUIRED';
      return {
        status: 200,
        body: FinalizeResponse.parse({
          account: { id: ACCOUNT_ID },
          workflowExecution: { id: EXECUTION_ID, status: 'ACQUIRED', acquiredAt: now() },
        }),
      };
    }
    return apiError(404, 'NOT_FOUND', `No route ${method} ${path}`);
  }

  const RealXhr = window.XMLHttpRequest;
  const realFetch = window.fetch;
  const onLineDescriptor = Object.getOwnPropertyDescriptor(Navigator.prototype, 'onLine');

  const isApi = (url: string) => {
    const parsed = new URL(url, location.href);
    return parsed.origin === origin && parsed.pathname.startsWith('/api/');
  };

  /** Decides the fate of one request; `undefined` means "no answer" (network error). */
  function exchange(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: unknown,
  ): FakeAnswer | undefined {
    const path = new URL(url, location.href).pathname;
    const file = body instanceof FormData ? ((body.get('file') as Blob | null) ?? undefined) : undefined;
    const metaField = body instanceof FormData ? body.get('meta') : null;
    let frameMeta: unknown;
    try {
      frameMeta = typeof metaField === 'string' ? JSON.parse(metaField) : undefined;
    } catch {
      frameMeta = undefined;
    }
    const isUpload = /\/parts\/(FRONT|BACK|FACE)$/.test(path);
    const record: RecordedRequest = { method, path, headers, status: 'network-error', fileBytes: file?.size };
    if (frameMeta !== undefined) record.meta = frameMeta as LivenessFrameMeta;
    requests.push(record);
    if (offline) return undefined;
    if (path === '/api/v1/session' && failSessionLoads > 0) {
      failSessionLoads--;
      return undefined;
    }
    if (isUpload && failUploads > 0) {
      failUploads--;
      return undefined;
    }
    if (isUpload && unavailableUploads > 0) {
      unavailableUploads--;
      record.status = 503;
      return apiError(503, 'SERVICE_UNAVAILABLE', 'Scripted outage');
    }
    let parsedBody: unknown = body;
    if (typeof body === 'string') {
      try {
        parsedBody = JSON.parse(body);
      } catch {
        parsedBody = undefined;
      }
    }
    const answer = handle(method, path, headers, parsedBody, file, frameMeta);
    record.status = answer.status;
    return answer;
  }

  class FakeXMLHttpRequest extends EventTarget {
    readonly upload = new EventTarget();
    status = 0;
    responseText = '';
    readyState = 0;
    timeout = 0;
    private method = 'GET';
    private url = '';
    private headers: Record<string, string> = {};
    private aborted = false;
    private real: XMLHttpRequest | undefined;

    open(method: string, url: string): void {
      this.method = method.toUpperCase();
      this.url = url;
      this.readyState = 1;
      if (!isApi(url)) {
        this.real = new RealXhr();
        this.real.open(method, url);
      }
    }

    setRequestHeader(name: string, value: string): void {
      if (this.real) this.real.setRequestHeader(name, value);
      else this.headers[name.toLowerCase()] = value;
    }

    abort(): void {
      this.aborted = true;
      this.dispatchEvent(new ProgressEvent('abort'));
    }

    send(body?: XMLHttpRequestBodyInit | null): void {
      if (this.real) {
        const real = this.real;
        for (const type of ['load', 'error', 'timeout', 'abort']) {
          real.addEventListener(type, () => {
            this.status = real.status;
            this.responseText = real.responseText;
            this.dispatchEvent(new ProgressEvent(type));
          });
        }
        real.send(body ?? null);
        return;
      }
      void this.run(body ?? undefined);
    }

    private async run(body: XMLHttpRequestBodyInit | undefined): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const file = body instanceof FormData ? (body.get('file') as Blob | null) : null;
      if (file) {
        const steps = options.progressSteps ?? 4;
        for (let i = 1; i <= steps; i++) {
          await new Promise((resolve) => setTimeout(resolve, options.uploadStepMs ?? 5));
          if (this.aborted) return;
          const loaded = Math.round((file.size * i) / steps);
          this.upload.dispatchEvent(
            new ProgressEvent('progress', { lengthComputable: true, loaded, total: file.size }),
          );
        }
      }
      if (this.aborted) return;
      const answer = exchange(this.method, this.url, this.headers, body);
      if (!answer) {
        this.dispatchEvent(new ProgressEvent('error'));
        return;
      }
      this.status = answer.status;
      this.responseText = answer.body === undefined ? '' : JSON.stringify(answer.body);
      this.readyState = 4;
      this.dispatchEvent(new ProgressEvent('load'));
    }
  }

  async function fakeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    if (!isApi(request.url)) return realFetch(input, init);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const contentType = request.headers.get('content-type') ?? '';
    const body = contentType.startsWith('multipart/form-data')
      ? await request.formData()
      : request.method === 'GET'
        ? undefined
        : await request.text();
    const answer = exchange(request.method, request.url, headers, body);
    if (!answer) throw new TypeError('Failed to fetch');
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'Content-Type': 'application/json' },
    });
  }

  window.XMLHttpRequest = FakeXMLHttpRequest as unknown as typeof XMLHttpRequest;
  window.fetch = fakeFetch;

  return {
    requests,
    parts,
    state,
    goOffline() {
      offline = true;
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
      window.dispatchEvent(new Event('offline'));
    },
    goOnline() {
      offline = false;
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
      window.dispatchEvent(new Event('online'));
    },
    uninstall() {
      window.XMLHttpRequest = RealXhr;
      window.fetch = realFetch;
      // Back to the prototype's getter.
      delete (navigator as { onLine?: boolean }).onLine;
      if (onLineDescriptor) Object.defineProperty(Navigator.prototype, 'onLine', onLineDescriptor);
    },
  };
}
