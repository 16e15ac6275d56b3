import { describe, expect, it } from 'vitest';
import { runStatusOf } from './run-status.ts';

describe('run status', () => {
  it.each([
    [{ status: 'PENDING', hasErrors: false, error: null }, 'running'],
    [{ status: 'RUNNING', hasErrors: true, error: null }, 'running'],
    [{ status: 'STOPPED', hasErrors: false, error: null }, 'running'],
    [{ status: 'FINISHED', hasErrors: false, error: null }, 'success'],
    [{ status: 'FINISHED', hasErrors: true, error: null }, 'warnings'],
    [{ status: 'FINISHED', hasErrors: true, error: 'boom' }, 'failed'],
    [{ status: 'CANCELED', hasErrors: false, error: null }, 'failed'],
  ] as const)('%j is %s', (job, expected) => {
    expect(runStatusOf(job)).toBe(expected);
  });
});
