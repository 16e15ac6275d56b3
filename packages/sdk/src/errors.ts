/**
 * Control-flow errors that job authors throw from `run` or a step.
 * They are part of the public API, like Inngest's NonRetriableError.
 */
export class NonRetriableError extends Error {
  override readonly name: string = 'NonRetriableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A step ran past its own `timeoutMs`: ctx.signal was aborted, and the step fails (retried per the type's policy). */
export class StepTimeoutError extends Error {
  override readonly name = 'StepTimeoutError';
  constructor(
    readonly step: string,
    readonly timeoutMs: number,
  ) {
    super(`step "${step}" ran past its timeout of ${timeoutMs} ms`);
  }
}
