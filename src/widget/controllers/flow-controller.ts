import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DocumentType, PartClassifier } from '../../shared/api/common.js';
import type { SessionResponse } from '../../shared/api/session.js';
import type { StepId } from '../events.js';

export interface DocumentChoice {
  type: DocumentType;
  country: string;
}

/** Everything the step machine decides on; built from the session and then from what the user did. */
export interface FlowState {
  session: SessionResponse;
  consentGiven: boolean;
  document: DocumentChoice | null;
  /** Parts the server already has or that the user accepted (their upload runs in the background). */
  captured: ReadonlySet<PartClassifier>;
  /** The server said DONE or EXHAUSTED (no attempts left: the user goes on either way). */
  livenessDone: boolean;
  finalized: boolean;
}

export type FlowAction =
  | { type: 'session-loaded'; session: SessionResponse }
  | { type: 'consent-given' }
  | { type: 'document-chosen'; choice: DocumentChoice }
  | { type: 'part-captured'; classifier: PartClassifier }
  /** The server refused the image: capture that part again. */
  | { type: 'part-rejected'; classifier: PartClassifier }
  /** The liveness step ended with the server's DONE or EXHAUSTED. */
  | { type: 'liveness-done' }
  | { type: 'finalized' };

/** A step the user can be on; `error` is an overlay and not part of the sequence. */
export type FlowStep = Exclude<StepId, 'error'>;

const CAPTURE_STEP: Partial<Record<FlowStep, PartClassifier>> = {
  'document-front': 'FRONT',
  'document-back': 'BACK',
  selfie: 'FACE',
};

/** The part a capture step produces. */
export function partOfStep(step: FlowStep): PartClassifier | undefined {
  return CAPTURE_STEP[step];
}

/** Passports have a single page to capture; cards (and visas, as the server counts them) have a back. */
export function documentHasBack(type: DocumentType): boolean {
  return type !== 'PASSPORT';
}

export interface DocumentOptions {
  types: DocumentType[];
  /** `null`: any country. */
  countries: string[] | null;
}

export function documentOptions(session: SessionResponse): DocumentOptions {
  return { types: session.document.allowedTypes, countries: session.document.allowedCountries };
}

/** The only possible choice when the session allows exactly one type and one country; the step is then skipped. */
export function onlyDocumentChoice(session: SessionResponse): DocumentChoice | undefined {
  const { types, countries } = documentOptions(session);
  if (types.length === 1 && countries?.length === 1) return { type: types[0]!, country: countries[0]! };
  return undefined;
}

/** Whether this session has a liveness step at all (the server says so; passive or with actions). */
export function livenessRequired(session: SessionResponse): boolean {
  return session.liveness.status !== 'NOT_REQUIRED';
}

function hasCredential(session: SessionResponse, category: 'ID' | 'SELFIE' | 'FACEMAP'): boolean {
  return session.credentials.some((c) => c.category === category);
}

/** Whether the ID needs a back: from the choice, or before it from the allowed types. */
function needsBack(state: FlowState): boolean {
  if (state.document) return documentHasBack(state.document.type);
  return state.session.document.allowedTypes.some(documentHasBack);
}

/** The initial state of a session, including everything the server already has (resume). */
export function initialFlowState(session: SessionResponse): FlowState {
  return {
    session,
    consentGiven: session.consent.given,
    document: session.document.chosen ?? null,
    captured: new Set(session.parts.map((part) => part.classifier)),
    livenessDone: session.liveness.status === 'DONE' || session.liveness.status === 'EXHAUSTED',
    finalized:
      session.workflowExecution.status === 'ACQUIRED' || session.workflowExecution.status === 'PROCESSED',
  };
}

/** Whether the session asks for a document (returning-user authentication asks only for a selfie and liveness). */
export function asksForDocument(session: SessionResponse): boolean {
  return hasCredential(session, 'ID');
}

/** The steps of this session in order, as shown to the user ("step 2 of 6"). */
export function flowSteps(state: FlowState): FlowStep[] {
  const { session } = state;
  const steps: FlowStep[] = ['consent'];
  if (asksForDocument(session)) {
    if (!onlyDocumentChoice(session)) steps.push('document-type');
    steps.push('document-front');
    if (needsBack(state)) steps.push('document-back');
  }
  if (hasCredential(session, 'SELFIE')) steps.push('selfie');
  if (livenessRequired(session)) steps.push('liveness');
  steps.push('upload', 'done');
  return steps;
}

function stepSatisfied(state: FlowState, step: FlowStep): boolean {
  switch (step) {
    case 'consent':
      return state.consentGiven;
    case 'document-type':
      return state.document !== null;
    case 'document-front':
    case 'document-back':
    case 'selfie':
      return state.captured.has(partOfStep(step)!);
    case 'liveness':
      return state.livenessDone;
    case 'upload':
      return state.finalized;
    case 'done':
      return false;
  }
}

/** The first step not yet satisfied: the step machine is a function of the facts, so resuming is free. */
export function currentFlowStep(state: FlowState): FlowStep {
  if (state.finalized) return 'done';
  return flowSteps(state).find((step) => !stepSatisfied(state, step)) ?? 'done';
}

export function reduceFlow(state: FlowState, action: FlowAction): FlowState {
  switch (action.type) {
    case 'session-loaded':
      return initialFlowState(action.session);
    case 'consent-given':
      return { ...state, consentGiven: true };
    case 'document-chosen': {
      // Another type may drop the back; a captured front of another type must be captured again.
      const changed =
        state.document !== null &&
        (state.document.type !== action.choice.type || state.document.country !== action.choice.country);
      const captured = new Set(state.captured);
      if (changed) {
        captured.delete('FRONT');
        captured.delete('BACK');
      }
      return { ...state, document: action.choice, captured };
    }
    case 'part-captured':
      return { ...state, captured: new Set(state.captured).add(action.classifier) };
    case 'part-rejected': {
      const captured = new Set(state.captured);
      captured.delete(action.classifier);
      return { ...state, captured };
    }
    case 'liveness-done':
      return { ...state, livenessDone: true };
    case 'finalized':
      return { ...state, finalized: true };
  }
}

export interface StepPosition {
  step: FlowStep;
  index: number;
  total: number;
}

/**
 * The step machine as a Lit controller: holds the {@link FlowState}, applies actions through the pure
 * {@link reduceFlow}, and tells the host when the current step changes.
 */
export class FlowController implements ReactiveController {
  private flow: FlowState | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onStepChange: (position: StepPosition) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  get state(): FlowState | undefined {
    return this.flow;
  }

  get position(): StepPosition | undefined {
    if (!this.flow) return undefined;
    const step = currentFlowStep(this.flow);
    const steps = flowSteps(this.flow);
    return { step, index: steps.indexOf(step), total: steps.length };
  }

  dispatch(action: FlowAction): void {
    const before = this.flow ? currentFlowStep(this.flow) : undefined;
    this.flow = this.flow
      ? reduceFlow(this.flow, action)
      : action.type === 'session-loaded'
        ? initialFlowState(action.session)
        : undefined;
    this.host.requestUpdate();
    const position = this.position;
    if (position && position.step !== before) this.onStepChange(position);
  }
}
