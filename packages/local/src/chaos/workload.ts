import { randomUUID } from 'node:crypto';
import { ALLOWED_FROM, type Operation } from '@stint/core';
import type { ChaosApi } from './chaos-api.ts';
import { CHAOS_STEPS, CHAOS_TREE, type ChaosStepsData, type ChaosTreeData } from './chaos-jobs.ts';
import type { Dice } from './dice.ts';
import type { History, KnownJob } from './history.ts';

export const CHAOS_TENANTS = ['chaos-a', 'chaos-b', 'chaos-c'] as const;
/** clear-inactive deletes whatever ended job it finds: only here, so the other tenants' losses stay visible. */
const CLEARED_TENANT = 'chaos-c';

type Action = 'submitSteps' | 'submitTree' | 'submitExample' | 'adoptChild' | Operation | 'bulk' | 'bulkFilter' | 'clearInactive';

const ACTIONS: ReadonlyArray<readonly [Action, number]> = [
  ['submitSteps', 24],
  ['submitTree', 9],
  ['submitExample', 3],
  ['adoptChild', 7],
  ['stop', 8],
  ['resume', 8],
  ['cancel', 4],
  ['force-stop', 3],
  ['restart', 3],
  // Mostly refused (409): only a root that finished with errors has failed work to re-run.
  ['retry', 2],
  ['set-low-priority', 3],
  ['remove-low-priority', 2],
  ['delete', 3],
  ['bulk', 3],
  ['bulkFilter', 1],
  ['clearInactive', 1],
];

const OPERATION_ROUTES: Record<Exclude<Operation, 'delete'>, { method: 'POST' | 'DELETE'; path: string }> = {
  stop: { method: 'POST', path: 'stop' },
  resume: { method: 'POST', path: 'resume' },
  cancel: { method: 'POST', path: 'cancel' },
  'force-stop': { method: 'POST', path: 'force-stop' },
  restart: { method: 'POST', path: 'restart' },
  retry: { method: 'POST', path: 'retry' },
  'set-low-priority': { method: 'POST', path: 'low-priority' },
  'remove-low-priority': { method: 'DELETE', path: 'low-priority' },
};

interface Submission {
  type: string;
  tenant: string;
  data: Record<string, unknown>;
  idempotencyKey: string;
  lowPriority?: boolean;
  parentId?: string;
}

/**
 * Random jobs and operations through the api, as users would send them. Every request and
 * its answer goes into the history; a submission whose answer a kill swallowed is sent again
 * with its idempotency key after the restart, as a careful client would.
 */
export class Workload {
  /** Submissions with no answer yet (the stack died under them). */
  readonly unanswered: Submission[] = [];

  constructor(
    readonly api: ChaosApi,
    readonly dice: Dice,
    readonly history: History,
  ) {}

  async act(): Promise<void> {
    const action = this.dice.weighted(ACTIONS);
    const tenant = this.dice.pick(CHAOS_TENANTS);
    switch (action) {
      case 'submitSteps':
        return this.submit({ type: CHAOS_STEPS, tenant, data: this.stepsData(), ...this.priority(0.15) });
      case 'submitTree': {
        const data: ChaosTreeData = { children: this.dice.int(2, 6), childSteps: this.dice.int(2, 5), ms: this.dice.int(40, 200) };
        return this.submit({ type: CHAOS_TREE, tenant, data: { ...data }, ...this.priority(0.1) });
      }
      case 'submitExample':
        return this.submit({
          type: 'EXECUTE_ACTION',
          tenant,
          data: {
            entityName: 'companies',
            query: { type: 'c', city: this.dice.pick(['Berlin', 'Madrid', 'Lisbon']) },
            actionName: 'slowTouch',
            params: { ms: this.dice.int(20, 60) },
            chunkSize: this.dice.int(5, 15),
          },
        });
      case 'adoptChild': {
        const parent = this.target(['PENDING', 'RUNNING', 'STOPPED']);
        if (!parent) return;
        return this.submit({ type: CHAOS_STEPS, tenant: parent.tenant, data: this.stepsData(), parentId: parent.id });
      }
      case 'bulk':
        return this.bulk();
      case 'bulkFilter': {
        const op = this.dice.pick(['stop', 'resume'] as const);
        const answer = await this.api.call('POST', `/api/jobs/bulk`, { op, filter: { tenant, status: op === 'stop' ? 'RUNNING' : 'STOPPED' } });
        this.history.answered(`bulk ${op} by filter`, answer.status, answer.body);
        if (answer.status === 202) this.history.accept(answer.body.job, Date.now());
        return;
      }
      case 'clearInactive': {
        const at = Date.now();
        const answer = await this.api.call('POST', `/api/jobs/clear-inactive?tenant=${CLEARED_TENANT}`);
        this.history.answered('clear-inactive', answer.status, answer.body);
        this.history.clears.push({ tenant: CLEARED_TENANT, at, status: answer.status });
        if (answer.status === 202) this.history.accept(answer.body.job, Date.now());
        return;
      }
      default:
        await this.operate(action);
    }
  }

  /** Sends again the submissions a kill left unanswered (same idempotency key). */
  async resubmit(): Promise<void> {
    for (const submission of this.unanswered.splice(0)) await this.submit(submission);
  }

  /** Learns children and statuses from the listings. */
  async refresh(tenant: string): Promise<void> {
    const jobs = await this.api.listAll(tenant);
    for (const job of jobs ?? []) this.history.saw(job);
  }

  async operate(op: Operation, job = this.target(ALLOWED_FROM[op])): Promise<number> {
    if (!job) return 0;
    const at = Date.now();
    const route = op === 'delete' ? { method: 'DELETE' as const, path: '' } : OPERATION_ROUTES[op];
    const answer = await this.api.call(route.method, `/api/jobs/${job.id}${route.path ? `/${route.path}` : ''}`);
    this.history.answered(op, answer.status, answer.body);
    this.history.asked(job.id, { op, at, status: answer.status });
    if (answer.status === 200 && answer.body?.id) this.history.saw(answer.body);
    if (answer.status === 404 || (op === 'delete' && answer.status === 204)) job.status = 'GONE';
    return answer.status;
  }

  private async bulkIds(op: Operation, jobs: KnownJob[]): Promise<void> {
    const at = Date.now();
    const answer = await this.api.call('POST', '/api/jobs/bulk', { op, ids: jobs.map((job) => job.id) });
    this.history.answered(`bulk ${op}`, answer.status, answer.body);
    for (const job of jobs) {
      const result = answer.body?.results?.[job.id];
      const status = answer.status !== 200 ? answer.status : result?.status === 'ok' ? 200 : 409;
      this.history.asked(job.id, { op, at, status, bulk: true });
    }
  }

  private async bulk(): Promise<void> {
    const op = this.dice.pick(['stop', 'resume', 'cancel', 'set-low-priority', 'delete'] as const);
    const jobs: KnownJob[] = [];
    for (let i = this.dice.int(2, 6); i > 0; i--) {
      const job = this.target(ALLOWED_FROM[op]);
      if (job && !jobs.includes(job)) jobs.push(job);
    }
    if (jobs.length > 0) await this.bulkIds(op, jobs);
  }

  private async submit(asked: Omit<Submission, 'idempotencyKey'> & { idempotencyKey?: string }): Promise<void> {
    const submission: Submission = { ...asked, idempotencyKey: asked.idempotencyKey ?? randomUUID() };
    const answer = await this.api.call('POST', '/api/jobs', submission);
    this.history.answered(`submit ${submission.type}`, answer.status, answer.body);
    if (answer.status === 200 || answer.status === 201) this.history.accept(answer.body, Date.now());
    else if (answer.status === 0) this.unanswered.push(submission);
  }

  /** Mostly a job last seen where the operation applies; now and then any job, to be refused. */
  private target(statuses: readonly string[]): KnownJob | undefined {
    const fitting = this.history.inStatus(statuses);
    if (fitting.length > 0 && this.dice.chance(0.85)) return this.dice.pick(fitting);
    const all = [...this.history.jobs.values()].filter((job) => job.status !== 'GONE');
    return all.length > 0 ? this.dice.pick(all) : undefined;
  }

  private stepsData(): Record<string, unknown> {
    const steps = this.dice.int(2, 8);
    const data: ChaosStepsData = {
      steps,
      ms: this.dice.int(40, 250),
      ...(this.dice.chance(0.08) ? { failAt: this.dice.int(0, steps - 1) } : {}),
      // Short enough to wake within the stuck check's window; a kill meanwhile leaves the wake-up to the sweeper.
      ...(this.dice.chance(0.15) ? { nap: { at: this.dice.int(0, steps - 1), ms: this.dice.int(300, 4_000) } } : {}),
    };
    return { ...data };
  }

  private priority(probability: number): { lowPriority?: boolean } {
    return this.dice.chance(probability) ? { lowPriority: true } : {};
  }
}
