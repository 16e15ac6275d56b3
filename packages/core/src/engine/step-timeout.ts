import { StepTimeoutError } from '@stint/sdk';

/** Runs a step's body; past its own timeout the slice's signal aborts, and the step fails once the body settles. */
export async function withinStepTimeout<T>(controller: AbortController, name: string, fn: () => Promise<T> | T, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return fn();
  const timeout = new StepTimeoutError(name, timeoutMs);
  const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
  try {
    const value = await fn();
    if (controller.signal.reason === timeout) throw timeout;
    return value;
  } catch (error) {
    throw controller.signal.reason === timeout ? timeout : error;
  } finally {
    clearTimeout(timer);
  }
}
