import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../job-record.ts';
import { newJobRecord } from '../new-job.ts';
import { buildUpdate } from '../store/update-expression.ts';
import { endedSpec, needsSettling, runView, startedRecord, type RunRecord } from './run-record.ts';

const CREATED = 1_700_000_000_000;
const STARTED = CREATED + 1_000;
const ENDED = CREATED + 5_000;
const NOW = CREATED + 60_000;
const RUN_BY = { id: 'schedule:nightly', name: 'Schedule nightly' };

function job(fields: Partial<JobRecord> = {}): JobRecord {
  const base = newJobRecord({
    id: 'j1',
    type: 'EXPORT',
    label: 'Nightly export',
    tenant: 'acme',
    system: false,
    data: {},
    runBy: RUN_BY,
    lowPriority: false,
    parentId: null,
    rootId: 'j1',
    createDate: CREATED,
    scheduleId: 'nightly',
  });
  return { ...base, ...fields };
}

const ended = (fields: Partial<JobRecord> = {}) => job({ status: 'FINISHED', startDate: STARTED, endDate: ENDED, ...fields });
const started = (): RunRecord => startedRecord('nightly', job());
const settled = (fields: Partial<RunRecord> = {}): RunRecord => ({
  ...started(),
  status: 'warnings',
  startDate: STARTED,
  endDate: ENDED,
  duration: 4_000,
  hasErrors: true,
  ...fields,
});

describe('run records', () => {
  it('start as running, keyed in the schedule’s partition by create date and job', () => {
    expect(started()).toEqual({
      pk: 'H#acme#nightly',
      sk: '1700000000000#j1',
      scheduleId: 'nightly',
      tenant: 'acme',
      jobId: 'j1',
      type: 'EXPORT',
      label: 'Nightly export',
      runBy: RUN_BY,
      createDate: CREATED,
      status: 'running',
    });
  });

  it('take a job’s end unless they hold it or a later one; only the engine’s end may create one', () => {
    const { key, spec } = endedSpec(ended({ hasErrors: true }), NOW);
    expect(key).toEqual({ pk: 'H#acme#nightly', sk: '1700000000000#j1' });
    expect(spec(true).set).toMatchObject({ status: 'warnings', startDate: STARTED, endDate: ENDED, duration: 4_000, hasErrors: true, createDate: CREATED });
    expect(buildUpdate(spec(true)).ConditionExpression).toBe('(attribute_not_exists(#endDate) OR #endDate < :end)');
    expect(buildUpdate(spec(false)).ConditionExpression).toBe('attribute_exists(#pk) AND (attribute_not_exists(#endDate) OR #endDate < :end)');
    expect(spec(false).values).toEqual({ ':end': ENDED });
    expect(endedSpec(ended({ status: 'CANCELED' }), NOW).spec(true).set).toMatchObject({ status: 'failed' });
    expect(endedSpec(ended({ error: 'boom', hasErrors: true }), NOW).spec(true).set).toMatchObject({ status: 'failed' });
  });

  it.each([
    [
      'an active job, live',
      started(),
      job({ status: 'RUNNING', startDate: STARTED }),
      { runStatus: 'running', startDate: STARTED, endDate: null, duration: NOW - STARTED, jobRemoved: false },
    ],
    ['a restarted job, live, over its earlier end', settled(), job({ status: 'PENDING' }), { runStatus: 'running', startDate: null, jobRemoved: false }],
    [
      'an ended job its record holds, from the record',
      settled({ duration: 4_000 }),
      ended({ hasErrors: false }),
      { runStatus: 'warnings', hasErrors: true, startDate: STARTED, endDate: ENDED, duration: 4_000, jobRemoved: false },
    ],
    [
      'an ended job its record missed, from the job',
      started(),
      ended(),
      { runStatus: 'success', startDate: STARTED, endDate: ENDED, duration: 4_000, jobRemoved: false },
    ],
    [
      'a removed job its record holds, from the record',
      settled(),
      undefined,
      { runStatus: 'warnings', hasErrors: true, startDate: STARTED, endDate: ENDED, duration: 4_000, jobRemoved: true },
    ],
    [
      'a removed job its record missed, unknown',
      started(),
      undefined,
      { runStatus: 'unknown', startDate: null, endDate: null, duration: 0, hasErrors: false, jobRemoved: true },
    ],
  ] as const)('read %s', (_, record, current, expected) => {
    expect(runView(record, current, NOW)).toEqual({
      id: 'j1',
      scheduleId: 'nightly',
      tenant: 'acme',
      type: 'EXPORT',
      label: 'Nightly export',
      runBy: RUN_BY,
      createDate: CREATED,
      endDate: null,
      duration: 0,
      hasErrors: false,
      ...expected,
    });
  });

  it.each([
    ['an active job', false, started(), job({ status: 'RUNNING' })],
    ['a removed job', false, started(), undefined],
    ['an ended job, record running', true, started(), ended()],
    ['an ended job, no record', true, undefined, ended()],
    ['an ended job, its end recorded', false, settled(), ended()],
    ['a restarted job’s second end', true, settled(), ended({ endDate: ENDED + 1 })],
  ] as const)('need settling for %s: %s', (_, expected, record, current) => {
    expect(needsSettling(record, current)).toBe(expected);
  });
});
