import { type JobStatus, SUMMARY_BUCKETS, summaryBucket, type SummaryBucket } from '@stint/core';
import { AFTER_CHILDREN_STEP, CHAOS_FAILURE, CHAOS_STEPS, CHAOS_TREE, RUN_TOKEN_STEP, stepName, type ChaosResults, type StepExecution } from './chaos-jobs.ts';
import type { KnownJob } from './history.ts';
import type { ListedJob } from './movement.ts';

/**
 * The chaos run's verdicts, from evidence alone: what was asked and answered (history), the
 * jobs as the api shows them at the end, and what the table holds once the stack is stopped.
 * Pure, so each rule is unit-tested on hand-made evidence.
 */
export type Check = 'lost' | 'stuck' | 'doubled' | 'missing' | 'drift';

export interface Finding {
  check: Check;
  jobId?: string;
  tenant?: string;
  detail: string;
  /** What the job's item says, for the engine's authors (filled in after the table is read). */
  diagnosis?: string;
}

/** A job as GET /api/jobs/{id} answered at the end. */
export interface FinalJob extends ListedJob {
  tenant: string;
  type: string;
  hasErrors: boolean;
  parentId: string | null;
  data: Record<string, unknown>;
  results: Record<string, unknown> | null;
  error: string | null;
}

const ENDED = ['FINISHED', 'CANCELED'];
/** Job types whose runs never fail unless their data asks to (CHAOS_FAILURE). */
const NEVER_FAILING = [CHAOS_STEPS, CHAOS_TREE, 'EXECUTE_ACTION'];

/** The job's ancestors among the known jobs, nearest first. */
function ancestors(job: KnownJob, known: ReadonlyMap<string, KnownJob>): KnownJob[] {
  const found: KnownJob[] = [];
  for (
    let parent = job.parentId ? known.get(job.parentId) : undefined;
    parent && !found.includes(parent);
    parent = parent.parentId ? known.get(parent.parentId) : undefined
  ) {
    found.push(parent);
  }
  return found;
}

/** Types that log an error when a child of theirs was canceled (EXECUTE_ACTION: its records are missing from the results). */
const ERROR_ON_CANCELED_CHILD = ['EXECUTE_ACTION'];

/**
 * Errors asked for: its own run's failure as its data asks, one of a descendant's that marks
 * it, or a child canceled on request when its type reports that as an error.
 */
function expectedErrors(job: KnownJob, final: FinalJob, known: ReadonlyMap<string, KnownJob>): boolean {
  if (final.error !== null) return job.data.failAt !== undefined && final.error.startsWith(CHAOS_FAILURE);
  const below = [...known.values()].filter((other) => ancestors(other, known).includes(job));
  if (below.some((other) => other.data.failAt !== undefined)) return true;
  return ERROR_ON_CANCELED_CHILD.includes(job.type) && below.some((other) => other.parentId === job.id && other.asked.some((a) => a.op === 'cancel'));
}

/**
 * Lost: a job the stack accepted (or showed) that is gone with no delete asked of it or an
 * ancestor (deleting an ended root removes its tree), or that ended
 * in a way nobody asked for: canceled with no cancel on it or an ancestor, failed though its
 * type never fails by itself, or finished while one of its children had not.
 */
export function findLost(
  known: ReadonlyMap<string, KnownJob>,
  finals: ReadonlyMap<string, FinalJob | null>,
  clears: ReadonlyArray<{ tenant: string; at: number }>,
): Finding[] {
  const findings: Finding[] = [];
  for (const job of known.values()) {
    const final = finals.get(job.id);
    if (final === undefined) continue;
    const lineage = [job, ...ancestors(job, known)];
    if (final === null) {
      // Deleting an ended root removes its whole tree.
      const deleteAsked = lineage.some((j) => j.asked.some((a) => a.op === 'delete'));
      const cleared = clears.some((clear) => clear.tenant === job.tenant);
      if (!deleteAsked && !cleared) {
        const how = job.acceptedAt === null ? 'seen in a listing' : 'accepted';
        const above =
          lineage.length > 1
            ? `, under ${lineage
                .slice(1)
                .map((j) => `${j.id} (${j.type})`)
                .join(' < ')}`
            : '';
        findings.push({
          check: 'lost',
          jobId: job.id,
          tenant: job.tenant,
          detail: `${job.type} ${how}${above} is gone (404) and no delete was asked of it or an ancestor`,
        });
      }
      continue;
    }
    if (final.status === 'CANCELED' && !lineage.some((j) => j.asked.some((a) => a.op === 'cancel'))) {
      findings.push({ check: 'lost', jobId: job.id, tenant: job.tenant, detail: `${job.type} ended CANCELED but no cancel was asked of it or an ancestor` });
    } else if (final.status === 'FINISHED' && final.hasErrors && NEVER_FAILING.includes(job.type) && !expectedErrors(job, final, known)) {
      findings.push({ check: 'lost', jobId: job.id, tenant: job.tenant, detail: `${job.type} FINISHED with errors: ${final.error ?? 'a child failed'}` });
    } else if (final.status === 'FINISHED') {
      const open = [...known.values()].filter((child) => child.parentId === job.id && !ENDED.includes(finals.get(child.id)?.status ?? 'FINISHED'));
      if (open.length > 0 || final.childrenProgress.finished > final.childrenProgress.total) {
        findings.push({
          check: 'lost',
          jobId: job.id,
          tenant: job.tenant,
          detail: `${job.type} FINISHED with children ${final.childrenProgress.finished}/${final.childrenProgress.total}${open.length ? `, ${open.length} not ended (${open[0]!.id} ${finals.get(open[0]!.id)?.status})` : ''}`,
        });
      }
    }
  }
  return findings;
}

/**
 * Stuck: not ended, not STOPPED, and neither the job nor anything in its tree changed for the
 * window (lease + two sweeps) before the final read. A job waiting on a STOPPED descendant
 * waits as its user asked and is not stuck.
 */
export function findStuck(
  finals: ReadonlyMap<string, FinalJob | null>,
  movement: { treeChangedAt(rootId: string): number; moved(job: FinalJob): boolean },
  readAt: number,
  windowMs: number,
): { stuck: Finding[]; moving: string[] } {
  const stuck: Finding[] = [];
  const moving: string[] = [];
  const jobs = [...finals.values()].filter((job): job is FinalJob => job !== null);
  const stoppedBelow = (job: FinalJob): boolean => {
    const children = jobs.filter((child) => child.parentId === job.id);
    return children.some((child) => child.status === 'STOPPED' || stoppedBelow(child));
  };
  for (const job of jobs) {
    if (ENDED.includes(job.status) || job.status === 'STOPPED' || stoppedBelow(job)) continue;
    const idleMs = readAt - movement.treeChangedAt(job.rootId);
    if (idleMs < windowMs || movement.moved(job)) {
      moving.push(job.id);
      continue;
    }
    stuck.push({
      check: 'stuck',
      jobId: job.id,
      tenant: job.tenant,
      detail: `${job.type} ${job.status} at ${job.progress}%, children ${job.childrenProgress.finished}/${job.childrenProgress.total}, its tree idle ${Math.round(idleMs / 1000)} s`,
    });
  }
  return { stuck, moving };
}

/** Step results each job checkpointed, by job id then step name (the execution id each step returned). */
export type Checkpoints = ReadonlyMap<string, ReadonlyMap<string, unknown>>;

/**
 * Doubled: an execution of a step that overlapped another execution of it, or that started
 * after the execution whose result was kept had started (a step that had finished ran
 * again). Re-runs that ended before the kept one began are the step in flight during a crash,
 * which the design allows. Missing: a FINISHED job's step whose kept execution never wrote
 * its effect, or a step with no result at all.
 */
export function findEffectFaults(
  finals: ReadonlyMap<string, FinalJob | null>,
  executions: readonly StepExecution[],
  checkpoints: Checkpoints,
  unexpectedlyFailed: ReadonlySet<string>,
): { doubled: Finding[]; missing: Finding[] } {
  const doubled: Finding[] = [];
  const missing: Finding[] = [];
  const byStep = new Map<string, StepExecution[]>();
  for (const execution of executions) {
    const id = JSON.stringify([execution.jobId, execution.token, execution.step]);
    byStep.set(id, [...(byStep.get(id) ?? []), execution]);
  }
  const kept = (jobId: string) => keptExecutions(finals.get(jobId) ?? null, checkpoints.get(jobId));

  for (const [id, runs] of byStep) {
    const [jobId, token, step] = JSON.parse(id) as [string, string, string];
    const winners = kept(jobId);
    const winner = winners.token === token ? runs.find((run) => run.execId === winners.steps.get(step)) : undefined;
    const sorted = [...runs].sort((a, b) => a.startedAt - b.startedAt);
    const overlapping = sorted.some((run, i) => i > 0 && run.startedAt < sorted[i - 1]!.endedAt);
    const after = winner ? runs.filter((run) => run !== winner && run.startedAt >= winner.startedAt) : [];
    if (overlapping || after.length > 0) {
      doubled.push({
        check: 'doubled',
        jobId,
        detail: `${step} ran ${runs.length} times${overlapping ? ' (two at once)' : ''}${after.length ? `, ${after.length} after the kept execution started` : ''}`,
      });
    }
  }

  for (const final of finals.values()) {
    if (final?.status !== 'FINISHED' || unexpectedlyFailed.has(final.id)) continue;
    if (final.type !== CHAOS_STEPS && final.type !== CHAOS_TREE) continue;
    const winners = kept(final.id);
    const expected = final.type === CHAOS_TREE ? [AFTER_CHILDREN_STEP] : stepNames(final);
    const absent = expected.filter((step) => {
      const execId = winners.steps.get(step);
      return execId === undefined || !byStep.get(JSON.stringify([final.id, winners.token, step]))?.some((run) => run.execId === execId);
    });
    if (absent.length > 0)
      missing.push({ check: 'missing', jobId: final.id, tenant: final.tenant, detail: `FINISHED without the effect of ${absent.join(', ')}` });
  }
  return { doubled, missing };
}

function stepNames(job: FinalJob): string[] {
  const steps = Number(job.data.steps);
  const count = job.data.failAt !== undefined ? Number(job.data.failAt) : steps;
  return Array.from({ length: count }, (_, i) => stepName(i));
}

/** The run token and the execution each step kept: from a finished job's results, else its checkpoints. */
function keptExecutions(
  final: FinalJob | null,
  checkpoints: ReadonlyMap<string, unknown> | undefined,
): { token: string | undefined; steps: Map<string, string> } {
  const results = final?.status === 'FINISHED' ? (final.results as ChaosResults | null) : null;
  if (results?.token) {
    const names = final!.type === CHAOS_TREE ? [AFTER_CHILDREN_STEP] : results.execs.map((_, i) => stepName(i));
    return { token: results.token, steps: new Map(names.map((name, i) => [name, results.execs[i]!])) };
  }
  const steps = new Map<string, string>();
  for (const [name, result] of checkpoints ?? []) if (name !== RUN_TOKEN_STEP && typeof result === 'string') steps.set(name, result);
  const token = checkpoints?.get(RUN_TOKEN_STEP);
  return { token: typeof token === 'string' ? token : undefined, steps };
}

export type Counts = Record<SummaryBucket | 'total', number>;

/** A tenant's summary cards in one view as core's summary read answers them, and the jobs the list shows in it. */
export interface TenantCounts {
  tenant: string;
  /** The summary's query beyond the tenant, e.g. `children=true`; `roots` for none. */
  view: string;
  summary: Counts;
  listed: ReadonlyArray<{ status: string; hasErrors: boolean }>;
}

/**
 * Drift: per tenant, view and card, the summary read against the count of the listed jobs
 * in that bucket. Counters are read only through the summary read, never by their items'
 * keys, so the check holds whatever layout core gives them.
 */
export function findDrift(tenants: readonly TenantCounts[]): Finding[] {
  const findings: Finding[] = [];
  for (const { tenant, view, summary, listed } of tenants) {
    const counts: Counts = { total: listed.length, active: 0, completed: 0, failed: 0, canceled: 0 };
    for (const job of listed) counts[summaryBucket(job.status as JobStatus, job.hasErrors)]++;
    for (const field of ['total', ...SUMMARY_BUCKETS] as const) {
      if (summary[field] !== counts[field])
        findings.push({ check: 'drift', tenant, detail: `summary (${view}) ${field} ${summary[field]}, listed ${counts[field]}` });
    }
  }
  return findings;
}
