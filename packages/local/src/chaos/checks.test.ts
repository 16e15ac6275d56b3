import { describe, expect, it } from 'vitest';
import type { StepExecution } from './chaos-jobs.ts';
import { findDrift, findEffectFaults, findLost, findStuck, type FinalJob } from './checks.ts';
import type { Asked, KnownJob } from './history.ts';

function known(id: string, options: Partial<KnownJob> = {}): KnownJob {
  return {
    id,
    tenant: 'chaos-a',
    type: 'CHAOS_STEPS',
    parentId: null,
    rootId: id,
    data: { steps: 2, ms: 10 },
    acceptedAt: 1,
    status: 'RUNNING',
    asked: [],
    ...options,
  };
}

function final(id: string, options: Partial<FinalJob> = {}): FinalJob {
  return {
    id,
    rootId: id,
    tenant: 'chaos-a',
    type: 'CHAOS_STEPS',
    status: 'FINISHED',
    version: 3,
    progress: 100,
    hasErrors: false,
    parentId: null,
    data: { steps: 2, ms: 10 },
    results: null,
    error: null,
    childrenProgress: { finished: 0, total: 0 },
    ...options,
  };
}

const asked = (op: Asked['op']): Asked[] => [{ op, at: 5, status: 0 }];
const byId = <T extends { id: string }>(items: T[]) => new Map(items.map((item) => [item.id, item]));

describe('lost', () => {
  it('is a job gone with no delete asked, or ended in a way nobody asked for', () => {
    const jobs = byId([
      known('gone'),
      known('deleted', { asked: asked('delete') }),
      known('cleared', { tenant: 'chaos-c' }),
      known('canceled'),
      known('parent', { type: 'CHAOS_TREE', data: { children: 1 }, asked: asked('cancel') }),
      known('canceledByParent', { parentId: 'parent', rootId: 'parent' }),
      known('failed'),
      known('failsAsAsked', { data: { steps: 2, ms: 10, failAt: 1 } }),
      known('failsOtherwise', { data: { steps: 2, ms: 10, failAt: 1 } }),
      known('tree', { type: 'CHAOS_TREE', data: { children: 1 } }),
      known('failingChild', { parentId: 'tree', rootId: 'tree', data: { steps: 2, ms: 10, failAt: 0 } }),
      known('early', { type: 'CHAOS_TREE', data: { children: 1 } }),
      known('late', { parentId: 'early', rootId: 'early' }),
      known('deletedTree', { type: 'CHAOS_TREE', data: { children: 1 }, asked: asked('delete') }),
      known('inDeletedTree', { parentId: 'deletedTree', rootId: 'deletedTree' }),
    ]);
    const finals = new Map<string, FinalJob | null>([
      ['gone', null],
      ['deleted', null],
      ['cleared', null],
      ['canceled', final('canceled', { status: 'CANCELED' })],
      ['parent', final('parent', { status: 'CANCELED' })],
      ['canceledByParent', final('canceledByParent', { status: 'CANCELED' })],
      ['failed', final('failed', { hasErrors: true, error: 'its worker stopped mid-slice 3 times' })],
      ['failsAsAsked', final('failsAsAsked', { hasErrors: true, error: "chaos: failing at step 1, as the job's data asks" })],
      ['failsOtherwise', final('failsOtherwise', { hasErrors: true, error: 'its worker stopped mid-slice 3 times' })],
      ['tree', final('tree', { hasErrors: true })],
      ['failingChild', final('failingChild', { hasErrors: true, error: "chaos: failing at step 0, as the job's data asks" })],
      ['early', final('early', { childrenProgress: { finished: 1, total: 1 } })],
      ['late', final('late', { status: 'RUNNING' })],
      ['deletedTree', null],
      ['inDeletedTree', null],
    ]);
    const lost = findLost(jobs, finals, [{ tenant: 'chaos-c', at: 0 }]);
    expect(lost.map((finding) => finding.jobId).sort()).toEqual(['canceled', 'early', 'failed', 'failsOtherwise', 'gone']);
  });

  it('lets an EXECUTE_ACTION end with errors when one of its chunks was canceled on request, and only then', () => {
    const jobs = byId([
      known('action', { type: 'EXECUTE_ACTION' }),
      known('chunk', { type: 'EXECUTE_ACTION', parentId: 'action', rootId: 'action', asked: asked('cancel') }),
      known('other', { type: 'EXECUTE_ACTION' }),
      known('otherChunk', { type: 'EXECUTE_ACTION', parentId: 'other', rootId: 'other' }),
      known('tree', { type: 'CHAOS_TREE', data: { children: 1 } }),
      known('treeChild', { parentId: 'tree', rootId: 'tree', asked: asked('cancel') }),
    ]);
    const finals = new Map<string, FinalJob | null>([
      ['action', final('action', { type: 'EXECUTE_ACTION', hasErrors: true })],
      ['chunk', final('chunk', { type: 'EXECUTE_ACTION', status: 'CANCELED' })],
      ['other', final('other', { type: 'EXECUTE_ACTION', hasErrors: true })],
      ['otherChunk', final('otherChunk', { type: 'EXECUTE_ACTION' })],
      ['tree', final('tree', { type: 'CHAOS_TREE', hasErrors: true })],
      ['treeChild', final('treeChild', { status: 'CANCELED' })],
    ]);
    expect(
      findLost(jobs, finals, [])
        .map((finding) => finding.jobId)
        .sort(),
    ).toEqual(['other', 'tree']);
  });

  it('includes a parent counting more children done than it has', () => {
    const lost = findLost(byId([known('p')]), new Map([['p', final('p', { childrenProgress: { finished: 3, total: 2 } })]]), []);
    expect(lost).toHaveLength(1);
  });
});

describe('stuck', () => {
  const movement = (changedAt: Record<string, number>, moved: string[] = []) => ({
    treeChangedAt: (rootId: string) => changedAt[rootId] ?? 0,
    moved: (job: FinalJob) => moved.includes(job.id),
  });

  it('is an unended, unstopped job whose tree stayed unchanged for the window', () => {
    const finals = byId([
      final('idle', { status: 'RUNNING' }),
      final('recent', { status: 'PENDING' }),
      final('changedAtRead', { status: 'RUNNING' }),
      final('stopped', { status: 'STOPPED' }),
      final('done'),
      final('waiting', { status: 'RUNNING', childrenProgress: { finished: 0, total: 1 } }),
      final('stoppedChild', { status: 'STOPPED', parentId: 'waiting', rootId: 'waiting' }),
    ]);
    const result = findStuck(finals, movement({ recent: 9_000 }, ['changedAtRead']), 10_000, 5_000);
    expect(result.stuck.map((finding) => finding.jobId)).toEqual(['idle']);
    expect(result.moving.sort()).toEqual(['changedAtRead', 'recent']);
  });
});

describe('doubled and missing effects', () => {
  const run = (execId: string, step: string, startedAt: number, endedAt: number, token = 't1', jobId = 'j'): StepExecution => ({
    jobId,
    token,
    step,
    execId,
    startedAt,
    endedAt,
  });
  const finished = (execs: string[], options: Partial<FinalJob> = {}) => byId([final('j', { results: { token: 't1', execs }, ...options })]);

  it('allows the in-flight step to run again before the execution that was kept', () => {
    const executions = [run('a', 'step-000', 0, 10), run('b', 'step-000', 50, 60), run('c', 'step-001', 70, 80)];
    expect(findEffectFaults(finished(['b', 'c']), executions, new Map(), new Set())).toEqual({ doubled: [], missing: [] });
  });

  it('flags a step that ran again after the kept execution started, or two executions at once', () => {
    const after = [run('a', 'step-000', 0, 10), run('b', 'step-000', 50, 60), run('c', 'step-001', 70, 80)];
    expect(findEffectFaults(finished(['a', 'c']), after, new Map(), new Set()).doubled).toHaveLength(1);
    // Job canceled: no kept execution known, only the overlap shows.
    const overlapping = [run('a', 'step-000', 0, 50), run('b', 'step-000', 20, 60)];
    expect(findEffectFaults(byId([final('j', { status: 'CANCELED' })]), overlapping, new Map(), new Set()).doubled).toHaveLength(1);
  });

  it('reads the kept execution from checkpoints when the job has not finished', () => {
    const executions = [run('a', 'step-000', 0, 10), run('b', 'step-000', 50, 60)];
    const checkpoints = new Map([
      [
        'j',
        new Map<string, unknown>([
          ['run-token', 't1'],
          ['step-000', 'a'],
        ]),
      ],
    ]);
    expect(findEffectFaults(byId([final('j', { status: 'STOPPED' })]), executions, checkpoints, new Set()).doubled).toHaveLength(1);
  });

  it('flags a FINISHED job whose kept step left no effect, up to the step it fails at', () => {
    expect(findEffectFaults(finished(['a', 'x']), [run('a', 'step-000', 0, 10)], new Map(), new Set()).missing).toHaveLength(1);
    const failing = finished(['a'], { hasErrors: true, data: { steps: 3, ms: 10, failAt: 1 } });
    expect(findEffectFaults(failing, [run('a', 'step-000', 0, 10)], new Map(), new Set()).missing).toEqual([]);
    // A job already counted lost (failed unexpectedly) is not counted again.
    expect(findEffectFaults(finished([]), [], new Map(), new Set(['j'])).missing).toEqual([]);
  });
});

describe('drift', () => {
  it('compares each summary card with the count of the listed jobs in its bucket', () => {
    const listed = [
      { status: 'FINISHED', hasErrors: false },
      { status: 'FINISHED', hasErrors: true },
      { status: 'RUNNING', hasErrors: true },
      { status: 'CANCELED', hasErrors: false },
    ];
    const exact = { total: 4, active: 1, completed: 1, failed: 1, canceled: 1 };
    expect(findDrift([{ tenant: 't', view: 'roots', summary: exact, listed }])).toEqual([]);
    const findings = findDrift([
      { tenant: 't', view: 'roots', summary: { ...exact, completed: 2, total: 5 }, listed },
      { tenant: 'u', view: 'children=true', summary: { ...exact, active: 0 }, listed },
    ]);
    expect(findings.map((finding) => `${finding.tenant}: ${finding.detail}`)).toEqual([
      't: summary (roots) total 5, listed 4',
      't: summary (roots) completed 2, listed 1',
      'u: summary (children=true) active 0, listed 1',
    ]);
  });
});
