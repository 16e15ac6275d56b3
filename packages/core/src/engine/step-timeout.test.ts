import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StepTimeoutError } from '@stint/sdk';
import { withinStepTimeout } from './step-timeout.ts';

/** A body that settles only when the test says so, whatever the signal does. */
function held<T>() {
  let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  return { promise, ...settle };
}

describe('a step’s own timeout', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs a step without a timeout as it is, never aborting the slice', async () => {
    const controller = new AbortController();
    const body = held<string>();
    const result = withinStepTimeout(controller, 'plain', () => body.promise, undefined);
    await vi.advanceTimersByTimeAsync(3_600_000);
    body.resolve('value');
    expect(await result).toBe('value');
    expect(controller.signal.aborted).toBe(false);
  });

  it('returns the value of a body that settles in time, and leaves no timer to abort the slice later', async () => {
    const controller = new AbortController();
    expect(await withinStepTimeout(controller, 'quick', async () => 'value', 1_000)).toBe('value');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(controller.signal.aborted).toBe(false);
  });

  it('passes on the error of a body that fails in time', async () => {
    const controller = new AbortController();
    const error = new Error('the body’s own failure');
    await expect(withinStepTimeout(controller, 'failing', () => Promise.reject(error), 1_000)).rejects.toBe(error);
    expect(controller.signal.aborted).toBe(false);
  });

  it('aborts the slice’s signal at the timeout, and fails with StepTimeoutError once a body that ignored it returns', async () => {
    const controller = new AbortController();
    const body = held<string>();
    const result = withinStepTimeout(controller, 'slow', () => body.promise, 1_000);
    result.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(controller.signal.reason).toBeInstanceOf(StepTimeoutError);
    body.resolve('too late');
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect(error).toBe(controller.signal.reason);
  });

  it('fails with StepTimeoutError, not the abort the body threw, when the timeout aborted it', async () => {
    const controller = new AbortController();
    const body = held<string>();
    const result = withinStepTimeout(controller, 'aborted', () => body.promise, 1_000);
    result.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    body.reject(new Error('aborted by the signal'));
    expect(await result.catch((e: unknown) => e)).toBeInstanceOf(StepTimeoutError);
  });

  it('passes on the body’s error when the slice was aborted for another reason', async () => {
    const controller = new AbortController();
    const body = held<string>();
    const result = withinStepTimeout(controller, 'stopped', () => body.promise, 1_000);
    result.catch(() => undefined);
    controller.abort(new Error('the slice was stopped'));
    const error = new Error('the body gave up');
    body.reject(error);
    expect(await result.catch((e: unknown) => e)).toBe(error);
  });
});
