import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosApi } from './chaos-api.ts';
import { findDrift, findEffectFaults, findLost, findStuck, type Counts, type FinalJob, type Finding, type TenantCounts } from './checks.ts';
import { diagnose } from './diagnose.ts';
import { Dice, killMoments } from './dice.ts';
import { History } from './history.ts';
import { Movement } from './movement.ts';
import { StackProcess } from './stack-process.ts';
import { readTable } from './table-read.ts';
import { CHAOS_TENANTS, Workload } from './workload.ts';

export interface ChaosOptions {
  seed: number;
  durationMs: number;
  kills: number;
  /** Pause between two requests of the workload, drawn in this range. */
  pauseMs: [number, number];
  /** Longest wait for the stack to go quiet after the run. */
  quiesceMaxMs: number;
  /** Resume STOPPED jobs while quiescing, so trees run to their end. */
  settle: boolean;
  /** The repository root, where `npm start` runs. */
  cwd: string;
  keepData: boolean;
  log: (line: string) => void;
}

/** The stack's timings for the run: short, so recovery shows within the run. */
export const STACK_TIMINGS = { leaseMs: 3_000, sweepIntervalMs: 1_000, sliceBudgetMs: 2_000 };
/** A job whose tree did not change for this long is not moving: a lease must have expired and two sweeps passed. */
export const IDLE_WINDOW_MS = STACK_TIMINGS.leaseMs + 2 * STACK_TIMINGS.sweepIntervalMs;
const TABLE_NAME = 'stint-jobs';
/** The summary read's views (`GET /api/summary`'s flags, as the jobs list takes them). */
const SUMMARY_VIEWS: ReadonlyArray<{ children?: 'true'; system?: 'true' }> = [
  {},
  { children: 'true' },
  { system: 'true' },
  { children: 'true', system: 'true' },
];

export interface ChaosReport {
  seed: number;
  options: Omit<ChaosOptions, 'log' | 'cwd'>;
  /** Wall time of the whole run: workload, restarts, quiescence and the checks. */
  wallMs: number;
  dataDir: string | null;
  /** Each kill: the stack's uptime in the run when it came, and how long the restart took. */
  kills: Array<{ atMs: number; restartMs: number }>;
  /** Startup repair lines the stack printed after each kill. */
  repairs: string[];
  jobs: { accepted: number; known: number; finalStatuses: Record<string, number> };
  answers: Record<string, number>;
  serverErrors: History['serverErrors'];
  quiet: boolean;
  quiesceMs: number;
  /** Jobs still changing at the final read (not stuck, not settled). */
  moving: string[];
  counts: Record<Finding['check'], number>;
  findings: Finding[];
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  const workDice = new Dice(options.seed);
  const killDice = new Dice(options.seed + 1);
  const dataDir = mkdtempSync(join(tmpdir(), `stint-chaos-${options.seed}-`));
  const token = `stint_chaos_${randomBytes(12).toString('base64url')}`;
  const repairs: string[] = [];
  const start = () =>
    StackProcess.start({
      cwd: options.cwd,
      env: {
        PORT: '0',
        STINT_DATA_DIR: dataDir,
        STINT_ADMIN_TOKEN: token,
        STINT_CHAOS: '1',
        STINT_LEASE_MS: String(STACK_TIMINGS.leaseMs),
        STINT_SWEEP_INTERVAL_MS: String(STACK_TIMINGS.sweepIntervalMs),
        STINT_SLICE_BUDGET_MS: String(STACK_TIMINGS.sliceBudgetMs),
      },
      onLine: (line) => {
        if (line.includes('Startup repair')) {
          repairs.push(line.trim());
          log(line.trim());
        }
        if (/^(api|sweeper|monitor|intake):|Error|error:/.test(line)) log(`stack: ${line.trim()}`);
      },
    });

  let stack = await start();
  const api = new ChaosApi(stack.url, token);
  const history = new History();
  const workload = new Workload(api, workDice, history);
  const began = Date.now();
  const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)}s`;
  log(`seed ${options.seed}: stack at ${stack.url}, data in ${dataDir}`);

  // The killer and the workload run side by side; the workload waits while the stack is
  // down. Kill moments and the duration count the stack's uptime, so slow restarts (tens of
  // seconds on a loaded machine) do not eat the workload.
  const moments = killMoments(killDice, options.durationMs, options.kills, 12_000);
  const kills: ChaosReport['kills'] = [];
  let downMs = 0;
  let downSince: number | null = null;
  const uptime = () => Date.now() - began - downMs - (downSince === null ? 0 : Date.now() - downSince);
  let up: Promise<void> = Promise.resolve();
  let restartFailed = false;
  const killer = (async () => {
    for (const moment of moments) {
      while (uptime() < moment) await sleep(Math.min(250, moment - uptime()));
      let restarted!: () => void;
      up = new Promise((resolve) => (restarted = resolve));
      downSince = Date.now();
      await stack.kill();
      await sleep(killDice.int(0, 1_500));
      stack = await start().catch((error: unknown) => {
        // The run cannot go on; the workload stops and the error ends the run.
        restartFailed = true;
        restarted();
        throw error;
      });
      api.url = stack.url;
      const restartMs = Date.now() - downSince;
      downMs += restartMs;
      downSince = null;
      kills.push({ atMs: moment, restartMs });
      log(`${elapsed()} killed the stack at ${Math.round(moment / 1000)} s of uptime (kill ${kills.length}/${moments.length}); back after ${restartMs} ms`);
      restarted();
      await workload.resubmit();
    }
  })();

  let refreshed = 0;
  for (let turn = 0; uptime() < options.durationMs; turn++) {
    await up;
    if (restartFailed) break;
    await workload.act();
    if (Date.now() - refreshed > 3_000) {
      await workload.refresh(CHAOS_TENANTS[turn % CHAOS_TENANTS.length]!);
      refreshed = Date.now();
    }
    await sleep(workDice.int(...options.pauseMs));
  }
  await killer;
  await up;
  log(`${elapsed()} workload done: ${history.accepted().length} jobs accepted, ${kills.length} kills; quiescing`);

  // Quiesce: poll the listings until nothing changed for the idle window.
  const movement = new Movement();
  const resumed = new Map<string, number>();
  const quiesceStart = Date.now();
  let quiet = false;
  while (Date.now() - quiesceStart < options.quiesceMaxMs) {
    const now = Date.now();
    for (const tenant of CHAOS_TENANTS) {
      const jobs = await api.listAll(tenant);
      if (!jobs) continue;
      movement.observe(jobs, now);
      for (const job of jobs) history.saw(job);
    }
    let resuming = false;
    if (options.settle) {
      for (const job of history.inStatus(['STOPPED'])) {
        const times = resumed.get(job.id) ?? 0;
        if (times >= 3) continue;
        resumed.set(job.id, times + 1);
        resuming = (await workload.operate('resume', job)) === 200 || resuming;
      }
    }
    await workload.resubmit();
    if (!resuming && now - movement.lastChange >= IDLE_WINDOW_MS) {
      quiet = true;
      break;
    }
    await sleep(1_000);
  }
  log(`${elapsed()} ${quiet ? 'quiet' : 'still moving'} after ${Math.round((Date.now() - quiesceStart) / 1000)} s of quiescence; reading the jobs`);

  if (!stack.running) throw new Error('the stack exited on its own during the run; its output is above');
  const readAt = Date.now();
  const { finals, unread } = await readFinals(api, [...history.jobs.keys()]);
  const tenants: TenantCounts[] = [];
  for (const tenant of CHAOS_TENANTS) {
    const listed = await api.listAll(tenant);
    if (!listed) continue;
    // Each view the summary read offers, against the jobs the list shows in it.
    for (const view of SUMMARY_VIEWS) {
      const summary = await api.call('GET', `/api/summary?${new URLSearchParams({ tenant, ...view })}`);
      const shown = listed.filter((job) => (view.system || !job.system) && (view.children || job.parentId === null));
      if (summary.status === 200)
        tenants.push({ tenant, view: new URLSearchParams(view).toString() || 'roots', summary: summary.body as Counts, listed: shown });
    }
  }
  await stack.stop();
  const table = await readTable(dataDir, TABLE_NAME);

  const lost = [
    ...findLost(history.jobs, finals, history.clears),
    ...unread.map(({ id, status }): Finding => ({ check: 'lost', jobId: id, detail: `could not be read at the end (HTTP ${status})` })),
  ];
  const stuck = findStuck(finals, movement, readAt, IDLE_WINDOW_MS);
  const effects = findEffectFaults(finals, table.executions, table.checkpoints, new Set(lost.flatMap((f) => (f.jobId ? [f.jobId] : []))));
  const drift = findDrift(tenants);
  const findings = [...lost, ...stuck.stuck, ...effects.doubled, ...effects.missing, ...drift];
  for (const finding of findings) if (finding.jobId && finding.check !== 'drift') finding.diagnosis = diagnose(finding.jobId, table, readAt);

  if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
  const finalStatuses: Record<string, number> = {};
  for (const final of finals.values()) finalStatuses[final?.status ?? 'GONE'] = (finalStatuses[final?.status ?? 'GONE'] ?? 0) + 1;
  return {
    seed: options.seed,
    wallMs: Date.now() - began,
    options: {
      seed: options.seed,
      durationMs: options.durationMs,
      kills: options.kills,
      pauseMs: options.pauseMs,
      quiesceMaxMs: options.quiesceMaxMs,
      settle: options.settle,
      keepData: options.keepData,
    },
    dataDir: options.keepData ? dataDir : null,
    kills,
    repairs,
    jobs: { accepted: history.accepted().length, known: history.jobs.size, finalStatuses },
    answers: Object.fromEntries([...history.answers].map(([status, n]) => [String(status), n])),
    serverErrors: history.serverErrors.slice(0, 20),
    quiet,
    quiesceMs: readAt - quiesceStart,
    moving: stuck.moving,
    counts: {
      lost: lost.length,
      stuck: stuck.stuck.length,
      doubled: effects.doubled.length,
      missing: effects.missing.length,
      drift: drift.length,
    },
    findings,
  };
}

/** Every job by id, as a user would look it up; null for 404. A job no answer came for is `unread`. */
async function readFinals(api: ChaosApi, ids: string[]): Promise<{ finals: Map<string, FinalJob | null>; unread: Array<{ id: string; status: number }> }> {
  const finals = new Map<string, FinalJob | null>();
  const unread: Array<{ id: string; status: number }> = [];
  for (let i = 0; i < ids.length; i += 8) {
    await Promise.all(
      ids.slice(i, i + 8).map(async (id) => {
        const answer = await api.call('GET', `/api/jobs/${id}`);
        if (answer.status === 200) finals.set(id, answer.body as FinalJob);
        else if (answer.status === 404) finals.set(id, null);
        else unread.push({ id, status: answer.status });
      }),
    );
  }
  return { finals, unread };
}

/** The figures a run is judged by, as one JSON object. */
export function summaryOf(report: ChaosReport) {
  return { seed: report.seed, accepted: report.jobs.accepted, kills: report.kills.length, ...report.counts, wallS: Math.round(report.wallMs / 1000) };
}

/** `lost=0 stuck=0 doubled=0 missing=0 drift=0 jobs=… kills=… seed=… wall=…s` */
export function summaryLine(report: ChaosReport): string {
  const { counts } = report;
  return `lost=${counts.lost} stuck=${counts.stuck} doubled=${counts.doubled} missing=${counts.missing} drift=${counts.drift} jobs=${report.jobs.accepted} kills=${report.kills.length} seed=${report.seed} wall=${Math.round(report.wallMs / 1000)}s`;
}
