/** The XML itself is not well formed (or not BPMN/DMN at all). Line and column are 1-based. */
export class BpmnParseError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'BpmnParseError';
  }
}

export interface ValidationProblem {
  /** The offending element, or the definitions/process id for file-level problems. */
  elementId: string;
  message: string;
}

/** The XML parsed but describes something the engine cannot run. Lists every problem found. */
export class BpmnValidationError extends Error {
  constructor(readonly problems: ValidationProblem[]) {
    super(`invalid model: ${problems.map((p) => `${p.elementId}: ${p.message}`).join('; ')}`);
    this.name = 'BpmnValidationError';
  }
}

export type WorkflowEventErrorCode =
  | 'NOT_FOUND' // the task/timer/subscription/job/call/incident is not (or no longer) open
  | 'NAME_MISMATCH' // a message/signal name does not match the subscription
  | 'EXCLUDED_USER' // four-eyes: the user is excluded from this task
  | 'NOT_ACTIVE' // the instance already ended
  | 'INVALID_EVENT';

/** An event that cannot be applied to this instance state; the state is unchanged. */
export class WorkflowEventError extends Error {
  constructor(
    readonly code: WorkflowEventErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkflowEventError';
  }
}

/** Parses "line: 4 ... column: 7" out of a moddle/saxen message (0-based there) into 1-based numbers. */
export function positionOf(message: string): { line?: number; column?: number } {
  const m = /line: (\d+)\s+column: (\d+)/.exec(message);
  if (!m) return {};
  return { line: Number(m[1]) + 1, column: Number(m[2]) + 1 };
}
