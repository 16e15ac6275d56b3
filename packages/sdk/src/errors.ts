/**
 * Control-flow errors that job authors throw from `run` or a step.
 * They are part of the public API, like Inngest's NonRetriableError.
 */
export class NonRetriableError extends Error {
  override readonly name = 'NonRetriableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
