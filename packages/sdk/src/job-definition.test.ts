import { describe, expect, it } from 'vitest';
import { defineJob, NonRetriableError } from './index.ts';

const run = async () => undefined;

describe('defineJob', () => {
  it('fills every default: stoppable, not restartable, retryable, not system, 3 attempts backing off from 1 s to 60 s', () => {
    expect(defineJob({ type: 'PLAIN', run })).toStrictEqual({
      type: 'PLAIN',
      access: { submit: 'tenant-admin', intake: false },
      stoppable: true,
      restartable: false,
      retryable: true,
      system: false,
      retry: { maxAttempts: 3, backoffMs: 1_000, maxBackoffMs: 60_000 },
      run,
    });
  });

  it('keeps what the author declares', () => {
    const checkData = () => undefined;
    const label = (data: { name: string }) => `Import ${data.name}`;
    expect(
      defineJob<{ name: string }>({
        type: 'IMPORT_FILE',
        description: 'Imports a file',
        checkData,
        stoppable: false,
        restartable: true,
        retryable: false,
        system: true,
        retry: { maxAttempts: 5, backoffMs: 250, maxBackoffMs: 10_000 },
        label,
        run,
      }),
    ).toStrictEqual({
      type: 'IMPORT_FILE',
      description: 'Imports a file',
      access: { submit: 'tenant-admin', intake: false },
      checkData,
      stoppable: false,
      restartable: true,
      retryable: false,
      system: true,
      retry: { maxAttempts: 5, backoffMs: 250, maxBackoffMs: 10_000 },
      label,
      run,
    });
  });

  it('has no timeout unless its author sets one, and refuses one that is not a whole number of ms ≥ 1', () => {
    expect(defineJob({ type: 'A', run }).timeoutMs).toBeUndefined();
    expect(defineJob({ type: 'A', timeoutMs: 90_000, run }).timeoutMs).toBe(90_000);
    for (const timeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() => defineJob({ type: 'A', timeoutMs, run })).toThrow('timeoutMs of A must be a whole number of ms ≥ 1');
    }
  });

  it('has no concurrency limit unless its author sets one, and refuses a limit that is not a whole number ≥ 1 or a key that is not a function', () => {
    const key = (data: { customer: string }) => data.customer;
    expect(defineJob({ type: 'A', run }).concurrency).toBeUndefined();
    expect(defineJob({ type: 'A', concurrency: { limit: 2, key }, run }).concurrency).toEqual({ limit: 2, key });
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      expect(() => defineJob({ type: 'A', concurrency: { limit, key }, run })).toThrow('concurrency.limit of A must be a whole number ≥ 1');
    }
    const notAFunction = { limit: 2, key: 'customer' } as unknown as { limit: number; key: (data: unknown) => string };
    expect(() => defineJob({ type: 'A', concurrency: notAFunction, run })).toThrow("concurrency.key of A must be a function from a job's data to its key");
  });

  it('is retryable unless its author says otherwise', () => {
    expect(defineJob({ type: 'A', run }).retryable).toBe(true);
    expect(defineJob({ type: 'A', retryable: true, run }).retryable).toBe(true);
    expect(defineJob({ type: 'A', retryable: false, run }).retryable).toBe(false);
  });

  it('fills each retry setting the author leaves out', () => {
    expect(defineJob({ type: 'A', retry: { maxAttempts: 1 }, run }).retry).toEqual({ maxAttempts: 1, backoffMs: 1_000, maxBackoffMs: 60_000 });
    expect(defineJob({ type: 'A', retry: { backoffMs: 5_000 }, run }).retry).toEqual({ maxAttempts: 3, backoffMs: 5_000, maxBackoffMs: 60_000 });
  });

  it.each([
    [60_000, 60_000],
    [900_000, 900_000],
    [900_001, 900_000],
    [3_600_000, 900_000],
  ])('caps the longest backoff at SQS’s 900 s message delay: %i ms gives %i', (maxBackoffMs, expected) => {
    expect(defineJob({ type: 'A', retry: { maxBackoffMs }, run }).retry.maxBackoffMs).toBe(expected);
  });

  it('leaves out an empty description', () => {
    expect(defineJob({ type: 'A', description: '', run })).not.toHaveProperty('description');
  });

  it.each(['A', 'EXECUTE_ACTION', 'V2', 'A_', `A${'B'.repeat(63)}`])('accepts the type %s', (type) => {
    expect(defineJob({ type, run }).type).toBe(type);
  });

  it.each(['', 'lower', 'Mixed', '1ST', '_A', 'A-B', 'A B', 'É', `A${'B'.repeat(64)}`])('refuses the type "%s" at startup', (type) => {
    expect(() => defineJob({ type, run })).toThrow(new TypeError(`job type "${type}" must match /^[A-Z][A-Z0-9_]{0,63}$/ (e.g. EXECUTE_ACTION)`));
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s attempts', (maxAttempts) => {
    expect(() => defineJob({ type: 'FLAKY', retry: { maxAttempts }, run })).toThrow(new TypeError('retry.maxAttempts of FLAKY must be a whole number ≥ 1'));
  });

  it.each([
    ['backoffMs', -1],
    ['backoffMs', 0.5],
    ['backoffMs', Number.NaN],
    ['maxBackoffMs', Number.POSITIVE_INFINITY],
    ['maxBackoffMs', -5],
  ])('refuses a %s of %s', (name, value) => {
    expect(() => defineJob({ type: 'FLAKY', retry: { [name]: value }, run })).toThrow(new TypeError(`retry.${name} of FLAKY must be a whole number of ms ≥ 0`));
  });

  it('takes a backoff of 0 (retry at once)', () => {
    expect(defineJob({ type: 'A', retry: { backoffMs: 0, maxBackoffMs: 0 }, run }).retry).toMatchObject({ backoffMs: 0, maxBackoffMs: 0 });
  });

  it('does not share the author’s retry object', () => {
    const retry = { maxAttempts: 2 };
    const definition = defineJob({ type: 'A', retry, run });
    retry.maxAttempts = 9;
    expect(definition.retry.maxAttempts).toBe(2);
  });
});

describe('NonRetriableError', () => {
  it('is an Error with its own name, message and cause', () => {
    const cause = new Error('404 from the partner api');
    const error = new NonRetriableError('record 7 does not exist', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NonRetriableError');
    expect(error.message).toBe('record 7 does not exist');
    expect(error.cause).toBe(cause);
  });
});
