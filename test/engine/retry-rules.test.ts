import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { setCrashPointHook } from '@stint/core/crash-points';
import { childJobId, newJobId } from '@stint/core/new-job';
import { retryJob, retryPage, retryRoot, retryTree } from '@stint/core/engine/retry';
import type { EngineDeps } from '@stint/core/engine/deps';
import { bumpVersion } from '@stint/core/engine/transitions';
import { readSummary } from '@stint/core/query/stats-reader';
import { cascadeKey, parentPartitions, statusIndexKeys } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';
import { loggedLines } from '../support/jobs.ts';

/**
 * Which jobs of a tree a retry re-runs and what it writes on each (packages/core/src/engine/
 * retry.ts). Trees are placed directly in the state each case needs, the engine's clock is the
 * test's and no poller runs: each case calls the retry once and reads the items back, so a
 * wrong choice shows at once. `since` is the moment the retry was asked: only jobs that ended
 * by then are retried. Expected outcomes are literals.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
const FIXED = defineJob({ type: 'FIXED', retryable: false, run: async () => ({}) });

interface Placement {
  status?: JobStatus;
  hasErrors?: boolean;
  error?: string;
  /** Milliseconds before the test's `now` it ended (ended jobs only). */
  endedAgo?: number;
  type?: string;
  /** The parent's run it belongs to; `null` writes a child with no `parentRun`. */
  parentRun?: number | null;
  seq?: number;
  extra?: Partial<JobRecord>;
}

describe.each(DYNAMO_BACKENDS)('what a retry re-runs on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.now();
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [NODE, FIXED], clock: () => now });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const deps = () => engineInternals(stack.engine).deps;
  const ctx = (own: EngineDeps = deps()) => ({
    deps: own,
    dispatcher: engineInternals(stack.engine).dispatcher,
    counters: deps().counters.batch(),
  });
  const read = async (id: string) => (await deps().jobs.get(id))!;
  const attempts = async (id: string) => (await loggedLines(deps().jobs, id)).filter((line) => line.message.startsWith('attempt '));
  const attemptLines = async (id: string) => (await attempts(id)).map((line) => line.message);

  /** A FINISHED job (a root when `parent` is absent) as the engine would have left it. */
  async function place(parent: JobRecord | undefined, state: Placement, tenant = 'acme'): Promise<JobRecord> {
    const parentRun = state.parentRun === undefined ? (parent?.run ?? 0) : state.parentRun;
    const seq = state.seq ?? 1;
    const id = parent ? childJobId(parent.id, parentRun ?? 0, seq) + (parentRun === null ? 'n' : '') : newJobId(now);
    const base = jobItem({
      id,
      type: state.type ?? 'NODE',
      label: parent ? `job ${seq}` : 'the root',
      tenant: parent?.tenant ?? tenant,
      parentId: parent?.id ?? null,
      rootId: parent?.rootId ?? id,
      createDate: now - 100_000 + seq,
      ...(parent && parentRun !== null ? { spawn: { parentRun, seq } } : {}),
    });
    const status = state.status ?? 'FINISHED';
    const ended = status === 'FINISHED' || status === 'CANCELED';
    const record: JobRecord = {
      ...base,
      status,
      ...statusIndexKeys(base, status),
      startDate: now - 50_000,
      ...(ended ? { endDate: now - (state.endedAgo ?? 1_000) } : {}),
      hasErrors: state.hasErrors ?? state.error !== undefined,
      ...(state.error !== undefined ? { error: state.error } : {}),
      ...state.extra,
    };
    await deps().jobs.create(record);
    return record;
  }

  /** A parent placed with its children, its counts those of a run that ended. */
  async function tree(parent: Placement, children: Placement[]): Promise<{ root: JobRecord; kids: JobRecord[] }> {
    const current = children.filter((child) => child.parentRun === undefined).length;
    const root = await place(undefined, { ...parent, extra: { childrenTotal: current, childrenDone: current, ...parent.extra } });
    const kids: JobRecord[] = [];
    for (const [index, child] of children.entries()) kids.push(await place(root, { seq: index + 1, ...child }));
    return { root, kids };
  }

  it('retries the current run’s failed children and the root, and leaves everything else alone', async () => {
    now = Date.now();
    const tenant = uniqueName('t');
    const root = await place(
      undefined,
      {
        hasErrors: true,
        extra: {
          run: 1,
          childrenTotal: 3,
          childrenDone: 3,
          retries: 1,
          attempt: 2,
          lostSlices: 1,
          expiresAt: now + 1_000_000,
          deadlineAt: now - 2_000,
          timedOut: true,
        },
      },
      tenant,
    );
    const kids = [
      await place(root, { seq: 1 }),
      await place(root, { seq: 2, error: 'boom', extra: { attempt: 1 } }),
      // Only logged an error: nothing of it failed.
      await place(root, { seq: 3, hasErrors: true }),
      await place(root, { seq: 4, status: 'CANCELED', error: 'canceled while failing' }),
      await place(root, { seq: 5, parentRun: 0, error: 'of the run before the restart' }),
      await place(root, { seq: 6, error: 'still being adopted', extra: { adopting: true } }),
      await place(root, { seq: 7, type: 'FIXED', error: 'not retryable' }),
    ];
    const untouched = [kids[0]!, kids[2]!, kids[3]!, kids[4]!, kids[5]!, kids[6]!];

    const context = ctx();
    const retried = await retryJob(context, root);
    await context.counters.flush();

    expect(retried).toMatchObject({
      status: 'PENDING',
      retries: 2,
      attempt: 0,
      lostSlices: 0,
      hasErrors: true,
      childrenDone: 4,
      childrenTotal: 5,
      recountOnPark: true,
    });
    const stored = await read(root.id);
    for (const gone of ['endDate', 'expiresAt', 'error', 'deadlineAt', 'timedOut'] as const) expect(stored[gone]).toBeUndefined();
    expect(await attemptLines(root.id)).toEqual(['attempt 3: retrying the failed work; finished steps keep their results']);
    expect(await read(kids[1]!.id)).toMatchObject({ status: 'PENDING', retries: 1, attempt: 0, hasErrors: false, childrenDone: 0, childrenTotal: 0 });
    // An attempt is news, not a fault: the monitor's level filter and the line's details say which.
    expect((await attempts(kids[1]!.id)).map(({ level, message, additionalInfo }) => ({ level, message, additionalInfo }))).toEqual([
      { level: 'INFO', message: 'attempt 2: retrying the failed work; finished steps keep their results', additionalInfo: { attempt: 2 } },
    ]);
    for (const kid of untouched) expect(await read(kid.id)).toEqual(kid);
    // Placed jobs were never counted: the cards show the retry's moves alone.
    expect(await readSummary(deps().jobs, tenant)).toMatchObject({ total: 0, active: 1, failed: -1 });
    // Both were made ready and dispatched at once.
    expect([stored.status, stored.dispatchedAt]).toEqual(['PENDING', now]);
    expect(await deps().jobs.getItem(cascadeKey(root.id))).toBeUndefined();
  });

  it('marks the tree while it walks it, and clears the mark after', async () => {
    now = Date.now();
    const { root, kids } = await tree({ hasErrors: true }, [{ error: 'boom' }]);
    const marks: unknown[] = [];
    setCrashPointHook(async (point, detail) => {
      if (point === 'retry.childrenRetried' && detail.jobId === kids[0]!.id) marks.push(await deps().jobs.getItem(cascadeKey(root.id)));
    });
    await retryJob(ctx(), root);
    expect(marks).toEqual([expect.objectContaining({ jobId: root.id, operation: 'retry', markedAt: now })]);
    expect(await deps().jobs.getItem(cascadeKey(root.id))).toBeUndefined();
  });

  it('needs no recount at the park when every child it read had ended', async () => {
    now = Date.now();
    const { root } = await tree({ error: 'sum is broken' }, [{}, { hasErrors: true }]);
    expect(await retryJob(ctx(), root)).toMatchObject({ status: 'PENDING', retries: 1, hasErrors: true, childrenDone: 2, childrenTotal: 2 });
    expect((await read(root.id)).recountOnPark).toBeUndefined();
  });

  it('answers 409 for a tree or a leaf with no failed work, clearing its mark and changing nothing', async () => {
    now = Date.now();
    const leaf = await place(undefined, { hasErrors: true });
    const { root, kids } = await tree({ hasErrors: true }, [{ hasErrors: true }, {}]);
    const deleting = await tree({ hasErrors: true, extra: { deleting: true } }, [{ error: 'boom' }]);
    for (const job of [leaf, root, deleting.root]) {
      await expect(retryJob(ctx(), job)).rejects.toMatchObject({
        code: 'conflict',
        message: `job ${job.id} has no failed work to retry: it logged errors, but no step of it or of its children failed`,
        details: { jobId: job.id, operation: 'retry' },
      });
      expect(await read(job.id)).toEqual(job);
      expect(await deps().jobs.getItem(cascadeKey(job.id))).toBeUndefined();
    }
    for (const kid of [...kids, ...deleting.kids]) expect(await read(kid.id)).toEqual(kid);
  });

  it('names the refusal of a child, a job that is not retryable, and one without errors', async () => {
    now = Date.now();
    const { root, kids } = await tree({ hasErrors: true }, [{ error: 'boom' }]);
    const fixed = await place(undefined, { type: 'FIXED', error: 'boom' });
    const fine = await place(undefined, {});
    await expect(retryJob(ctx(), kids[0]!)).rejects.toMatchObject({
      code: 'conflict',
      message: `job ${kids[0]!.id} is part of the tree of ${root.id}: retry that root job, which re-runs the failed jobs of its tree`,
      details: { jobId: kids[0]!.id, operation: 'retry', rootId: root.id },
    });
    await expect(retryJob(ctx(), fixed)).rejects.toMatchObject({
      message: 'job type FIXED is not retryable',
      details: { jobId: fixed.id, operation: 'retry' },
    });
    await expect(retryJob(ctx(), fine)).rejects.toMatchObject({
      message: `job ${fine.id} finished without errors: there is no failed work to retry`,
      details: { jobId: fine.id, operation: 'retry' },
    });
    // A type no longer deployed is not retryable either: its run could not replay.
    const gone = await place(undefined, { type: 'GONE', error: 'boom' });
    await expect(retryJob(ctx(), gone)).rejects.toMatchObject({ code: 'conflict', message: 'job type GONE is not retryable' });
  });

  it('retries only jobs that ended by the time it was asked', async () => {
    now = Date.now();
    const atSince = await place(undefined, { error: 'boom', endedAgo: 0 });
    const after = await place(undefined, { error: 'boom', endedAgo: -1 });
    expect(await retryTree(ctx(), atSince, now)).toMatchObject({ status: 'PENDING', childrenDone: 0, childrenTotal: 0 });
    expect((await read(atSince.id)).recountOnPark).toBeUndefined();
    expect(await retryTree(ctx(), after, now)).toBe('nothing');
    expect(await read(after.id)).toEqual(after);
  });

  it('re-runs a parent that failed no step when a child ended after the retry was asked, and not when it ended at it', async () => {
    now = Date.now();
    const later = await tree({ hasErrors: true }, [{ endedAgo: -1 }]);
    const atSince = await tree({ hasErrors: true }, [{ endedAgo: 0 }]);
    expect(await retryTree(ctx(), later.root, now)).toMatchObject({ status: 'PENDING', childrenDone: 1, childrenTotal: 1 });
    expect(await retryTree(ctx(), atSince.root, now)).toBe('nothing');
    expect(await read(atSince.root.id)).toEqual(atSince.root);
  });

  it('retries every failed child of a parent with more than it retries at once', async () => {
    now = Date.now();
    const { root, kids } = await tree(
      { hasErrors: true },
      Array.from({ length: 10 }, () => ({ error: 'boom' })),
    );
    expect(await retryTree(ctx(), root, now)).toMatchObject({ status: 'PENDING', childrenDone: 0, childrenTotal: 10 });
    const statuses = await Promise.all(kids.map(async (kid) => (await read(kid.id)).retries));
    expect(statuses).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  /** Bumps the job's version at its own write `times` times, as a racing writer would; the calls seen. */
  function raceAt(id: string, times: number): () => number {
    let seen = 0;
    setCrashPointHook(async (point, detail) => {
      if (point !== 'retry.childrenRetried' || detail.jobId !== id) return;
      seen++;
      if (seen <= times) await deps().jobs.tryUpdate(id, bumpVersion);
    });
    return () => seen;
  }

  it('reads a child again when its write lost a race, and gives up after five', async () => {
    now = Date.now();
    const once = await tree({ hasErrors: true }, [{ error: 'boom' }]);
    const calls = raceAt(once.kids[0]!.id, 1);
    await retryTree(ctx(), once.root, now);
    expect(calls()).toBe(2);
    expect(await read(once.kids[0]!.id)).toMatchObject({ status: 'PENDING', retries: 1 });
    expect(await attemptLines(once.kids[0]!.id)).toHaveLength(1);

    const always = await tree({ hasErrors: true }, [{ error: 'boom' }]);
    const tries = raceAt(always.kids[0]!.id, 100);
    expect(await retryTree(ctx(), always.root, now)).toBe('nothing');
    expect(tries()).toBe(5);
    expect(await read(always.kids[0]!.id)).toMatchObject({ status: 'FINISHED', error: 'boom' });
  });

  it('hands a tree wider than it walks inline to a CASCADE job, one per retry, and walks narrower ones itself', async () => {
    now = Date.now();
    const submitted: unknown[] = [];
    const submitting: EngineDeps = { ...deps(), submitSystemJob: async (input) => submitted.push(input) };
    const { submitSystemJob: _, ...unable } = deps();
    const wide = await tree({ hasErrors: true, extra: { childrenTotal: 501 } }, [{ error: 'boom' }]);
    expect(await retryRoot(ctx(submitting), wide.root, now)).toEqual(wide.root);
    expect(submitted).toEqual([
      {
        type: 'CASCADE',
        tenant: 'acme',
        data: { jobId: wide.root.id, operation: 'retry', since: now },
        label: 'Retry the failed jobs of the root',
        idempotencyKey: `cascade:${wide.root.id}:retry:${now}`,
      },
    ]);
    expect(await read(wide.kids[0]!.id)).toEqual(wide.kids[0]);

    const atBound = await tree({ hasErrors: true, extra: { childrenTotal: 500 } }, [{ error: 'boom' }]);
    expect(await retryRoot(ctx(submitting), atBound.root, now)).toMatchObject({ status: 'PENDING', childrenTotal: 500 });
    const noSubmit = await tree({ hasErrors: true, extra: { childrenTotal: 501 } }, [{ error: 'boom' }]);
    expect(await retryRoot(ctx(unable), noSubmit.root, now)).toMatchObject({ status: 'PENDING', childrenTotal: 501 });
    const late = await tree({ hasErrors: true, endedAgo: -1, extra: { childrenTotal: 501 } }, [{ error: 'boom' }]);
    expect(await retryRoot(ctx(submitting), late.root, now)).toBe('nothing');
    expect(submitted).toHaveLength(1);
    for (const kid of [atBound.kids[0]!, noSubmit.kids[0]!]) expect((await read(kid.id)).retries).toBe(1);
    expect(await read(late.kids[0]!.id)).toEqual(late.kids[0]);
  });

  it('retries a wide tree a page of children at a time, writing the root after the last page', async () => {
    now = Date.now();
    // 101 children: the first and the last failed, the second failed while being adopted.
    const plan: Placement[] = Array.from({ length: 101 }, (_, i) => (i === 0 || i === 100 ? { error: 'boom' } : {}));
    plan[1] = { error: 'boom', extra: { adopting: true } };
    const { root, kids } = await tree({ hasErrors: true }, plan);
    const [first, adopting, last] = [kids[0]!, kids[1]!, kids[100]!];
    // The walk reads the children's gsi4 shards one after another, each oldest first: the
    // first page is the first 100 in that order, which holds one or both failed children.
    const shards = parentPartitions(root.id);
    const walked = [...kids].sort((a, b) => shards.indexOf(a.gsi4pk!) - shards.indexOf(b.gsi4pk!) || (a.gsi4sk! < b.gsi4sk! ? -1 : 1));
    const firstPage = new Set(walked.slice(0, 100).map((kid) => kid.id));

    const next = await retryPage(ctx(), root.id, now, undefined);
    expect(next).toBeDefined();
    for (const job of [first, last]) {
      if (firstPage.has(job.id)) expect((await read(job.id)).retries).toBe(1);
      else expect(await read(job.id)).toEqual(job);
    }
    for (const job of [adopting, root]) expect(await read(job.id)).toEqual(job);

    expect(await retryPage(ctx(), root.id, now, next)).toBeUndefined();
    for (const job of [first, last]) expect((await read(job.id)).retries).toBe(1);
    expect(await read(adopting.id)).toEqual(adopting);
    expect(await read(root.id)).toMatchObject({ status: 'PENDING', retries: 1, childrenDone: 98, childrenTotal: 101, recountOnPark: true });
  });

  it('stops a page at a root that is gone or ended after the retry was asked', async () => {
    now = Date.now();
    const late = await tree({ hasErrors: true, endedAgo: -1 }, [{ error: 'boom' }]);
    expect(await retryPage(ctx(), late.root.id, now, undefined)).toBeUndefined();
    expect(await read(late.kids[0]!.id)).toEqual(late.kids[0]);
    expect(await retryPage(ctx(), newJobId(now), now, undefined)).toBeUndefined();

    // Marked for deletion while its children were retried: the root is left to the delete.
    const doomed = await tree({ hasErrors: true }, [{ error: 'boom' }]);
    setCrashPointHook(async (point, detail) => {
      if (point === 'retry.childrenRetried' && detail.jobId === doomed.kids[0]!.id) await deps().jobs.tryUpdate(doomed.root.id, { set: { deleting: true } });
    });
    expect(await retryPage(ctx(), doomed.root.id, now, undefined)).toBeUndefined();
    expect((await read(doomed.kids[0]!.id)).retries).toBe(1);
    expect(await read(doomed.root.id)).toMatchObject({ status: 'FINISHED', deleting: true });
  });

  it('retries a failed leaf in one write, with no mark for the sweeper to redo', async () => {
    now = Date.now();
    const leaf = await place(undefined, { error: 'boom' });
    const marked: unknown[] = [];
    setCrashPointHook(async (point, detail) => {
      if (point === 'cascade.marked') marked.push(detail.jobId);
    });
    expect(await retryJob(ctx(), leaf)).toMatchObject({ status: 'PENDING', retries: 1, childrenDone: 0, childrenTotal: 0 });
    expect((await read(leaf.id)).recountOnPark).toBeUndefined();
    expect(marked).toEqual([]);
  });

  it('reads the root again when its write after the last page lost a race, and gives up after five', async () => {
    now = Date.now();
    const once = await tree({ hasErrors: true }, [{ error: 'boom' }]);
    const calls = raceAt(once.root.id, 1);
    expect(await retryPage(ctx(), once.root.id, now, undefined)).toBeUndefined();
    expect(calls()).toBe(2);
    expect(await read(once.root.id)).toMatchObject({ status: 'PENDING', retries: 1 });

    const always = await tree({ hasErrors: true }, [{ error: 'boom' }]);
    const tries = raceAt(always.root.id, 100);
    expect(await retryPage(ctx(), always.root.id, now, undefined)).toBeUndefined();
    expect(tries()).toBe(5);
    expect(await read(always.root.id)).toMatchObject({ status: 'FINISHED', hasErrors: true });
    expect((await read(always.root.id)).retries).toBeUndefined();
  });
});
