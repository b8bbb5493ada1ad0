import { expect } from '@open-wc/testing';
import {
  currentFlowStep,
  documentHasBack,
  type FlowState,
  flowSteps,
  initialFlowState,
  onlyDocumentChoice,
  reduceFlow,
} from '../../../src/widget/controllers/flow-controller.js';
import type { SessionResponse } from '../../../src/shared/api/session.js';

/** A minimal session: ID + selfie, two types, two countries, nothing done yet. */
function session(change: Partial<SessionResponse> = {}): SessionResponse {
  const now = new Date().toISOString();
  return {
    account: { id: 'a' },
    workflowExecution: { id: 'w', status: 'INITIATED', definitionKey: 10011 },
    credentials: [
      { id: 'c1', category: 'ID', classifiers: ['FRONT', 'BACK'] },
      { id: 'c2', category: 'SELFIE', classifiers: ['FACE'] },
    ],
    document: { allowedTypes: ['ID_CARD', 'PASSPORT'], allowedCountries: ['DEU', 'FRA'], chosen: null },
    liveness: { mode: 'passive', status: 'NOT_REQUIRED' },
    locale: 'en',
    web: {},
    consent: { given: false },
    parts: [],
    expiresAt: now,
    tokenExpiresAt: now,
    links: {
      session: 'http://x/s',
      consent: 'http://x/c',
      document: 'http://x/d',
      captureMetadata: 'http://x/m',
      finalize: 'http://x/f',
      parts: [],
    },
    ...change,
  };
}

function run(state: FlowState, ...actions: Parameters<typeof reduceFlow>[1][]): FlowState {
  return actions.reduce(reduceFlow, state);
}

describe('flow controller (pure step machine)', () => {
  it('walks consent → document type → front → back → selfie → upload → done', () => {
    let state = initialFlowState(session());
    const seen = [currentFlowStep(state)];
    state = run(state, { type: 'consent-given' });
    seen.push(currentFlowStep(state));
    state = run(state, { type: 'document-chosen', choice: { type: 'ID_CARD', country: 'DEU' } });
    seen.push(currentFlowStep(state));
    for (const classifier of ['FRONT', 'BACK', 'FACE'] as const) {
      state = run(state, { type: 'part-captured', classifier });
      seen.push(currentFlowStep(state));
    }
    state = run(state, { type: 'finalized' });
    seen.push(currentFlowStep(state));
    expect(seen).to.deep.equal([
      'consent',
      'document-type',
      'document-front',
      'document-back',
      'selfie',
      'upload',
      'done',
    ]);
    expect(flowSteps(state)).to.deep.equal(seen);
  });

  it('a passport has no back; choosing another type after a capture asks for the document again', () => {
    let state = run(
      initialFlowState(session()),
      { type: 'consent-given' },
      { type: 'document-chosen', choice: { type: 'PASSPORT', country: 'FRA' } },
    );
    expect(flowSteps(state)).to.not.include('document-back');
    state = run(state, { type: 'part-captured', classifier: 'FRONT' });
    expect(currentFlowStep(state)).to.equal('selfie');
    state = run(state, { type: 'document-chosen', choice: { type: 'ID_CARD', country: 'FRA' } });
    expect(currentFlowStep(state)).to.equal('document-front');
    expect(flowSteps(state)).to.include('document-back');
    expect(documentHasBack('PASSPORT')).to.equal(false);
    expect(documentHasBack('DRIVING_LICENSE')).to.equal(true);
  });

  it('skips the document type only when exactly one type and one country are allowed', () => {
    const one = session({
      document: { allowedTypes: ['PASSPORT'], allowedCountries: ['DEU'], chosen: null },
    });
    expect(onlyDocumentChoice(one)).to.deep.equal({ type: 'PASSPORT', country: 'DEU' });
    expect(flowSteps(initialFlowState(one))).to.not.include('document-type');
    const anyCountry = session({
      document: { allowedTypes: ['PASSPORT'], allowedCountries: null, chosen: null },
    });
    expect(onlyDocumentChoice(anyCountry)).to.equal(undefined);
    expect(flowSteps(initialFlowState(anyCountry))).to.include('document-type');
  });

  it('resumes from the server: consent, choice and uploaded parts are done; a finalized execution is done', () => {
    const resumed = session({
      consent: { given: true },
      document: {
        allowedTypes: ['ID_CARD'],
        allowedCountries: ['DEU', 'FRA'],
        chosen: { type: 'ID_CARD', country: 'DEU' },
      },
      parts: [
        {
          credentialId: 'c1',
          classifier: 'FRONT',
          sha256: 'x',
          mime: 'image/jpeg',
          width: 1,
          height: 1,
          bytes: 1,
          uploadedAt: new Date().toISOString(),
        },
      ],
    });
    expect(currentFlowStep(initialFlowState(resumed))).to.equal('document-back');
    const acquired = session({ workflowExecution: { id: 'w', status: 'ACQUIRED', definitionKey: 10011 } });
    expect(currentFlowStep(initialFlowState(acquired))).to.equal('done');
  });

  it('a part the server refused is captured again; no selfie credential means no selfie step', () => {
    let state = run(
      initialFlowState(
        session({ credentials: [{ id: 'c1', category: 'ID', classifiers: ['FRONT', 'BACK'] }] }),
      ),
      { type: 'consent-given' },
      { type: 'document-chosen', choice: { type: 'ID_CARD', country: 'DEU' } },
      { type: 'part-captured', classifier: 'FRONT' },
      { type: 'part-captured', classifier: 'BACK' },
    );
    expect(flowSteps(state)).to.not.include('selfie');
    expect(currentFlowStep(state)).to.equal('upload');
    state = run(state, { type: 'part-rejected', classifier: 'BACK' });
    expect(currentFlowStep(state)).to.equal('document-back');
  });

  it('puts liveness after the selfie when the session requires it; DONE or EXHAUSTED on resume skips it', () => {
    const required = session({
      liveness: { mode: 'passive_active', status: 'REQUIRED' },
      document: {
        allowedTypes: ['PASSPORT'],
        allowedCountries: ['DEU'],
        chosen: { type: 'PASSPORT', country: 'DEU' },
      },
      consent: { given: true },
    });
    let state = initialFlowState(required);
    expect(flowSteps(state)).to.deep.equal([
      'consent',
      'document-front',
      'selfie',
      'liveness',
      'upload',
      'done',
    ]);
    state = run(
      state,
      { type: 'part-captured', classifier: 'FRONT' },
      { type: 'part-captured', classifier: 'FACE' },
    );
    expect(currentFlowStep(state)).to.equal('liveness');
    state = run(state, { type: 'liveness-done' });
    expect(currentFlowStep(state)).to.equal('upload');
    // Resume: the server's status decides, the step stays counted in "step n of m".
    for (const status of ['DONE', 'EXHAUSTED'] as const) {
      const resumed = initialFlowState({ ...required, liveness: { mode: 'passive_active', status } });
      expect(flowSteps(resumed)).to.include('liveness');
      expect(
        currentFlowStep(
          run(
            resumed,
            { type: 'part-captured', classifier: 'FRONT' },
            { type: 'part-captured', classifier: 'FACE' },
          ),
        ),
      ).to.equal('upload');
    }
    // A fresh session load (e.g. after MISSING_PARTS) forgets the local "done" when the server says REQUIRED.
    expect(currentFlowStep(run(state, { type: 'session-loaded', session: required }))).to.equal(
      'document-front',
    );
    expect(flowSteps(initialFlowState(session()))).to.not.include('liveness');
  });
});
