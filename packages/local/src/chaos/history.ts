import type { Operation } from '@stint/core';

/** What the chaos run asked of the stack and what it answered: the checks' evidence. */

export interface Asked {
  op: Operation;
  at: number;
  /** HTTP status, or 0 when the answer was lost (the outcome is unknown: it may have applied). */
  status: number;
  /** Asked through POST /api/jobs/bulk. */
  bulk?: boolean;
}

export interface KnownJob {
  id: string;
  tenant: string;
  type: string;
  parentId: string | null;
  rootId: string;
  data: Record<string, unknown>;
  /** When a submission of it was answered 2xx; null for jobs only seen (spawned children, system jobs). */
  acceptedAt: number | null;
  /** Last status seen in an answer or a listing. */
  status: string;
  asked: Asked[];
}

export interface ApiJob {
  id: string;
  tenant: string;
  type: string;
  status: string;
  parentId: string | null;
  rootId: string;
  data: Record<string, unknown>;
}

export class History {
  readonly jobs = new Map<string, KnownJob>();
  /** clear-inactive requests per tenant: they may delete any ended job of it. */
  readonly clears: Array<{ tenant: string; at: number; status: number }> = [];
  readonly answers = new Map<number, number>();
  /** Answers 5xx: a user's request the stack could not handle. */
  readonly serverErrors: Array<{ request: string; status: number; body: unknown }> = [];

  answered(request: string, status: number, body: unknown): void {
    this.answers.set(status, (this.answers.get(status) ?? 0) + 1);
    if (status >= 500) this.serverErrors.push({ request, status, body });
  }

  accept(job: ApiJob, at: number): void {
    const known = this.saw(job);
    known.acceptedAt ??= at;
  }

  saw(job: ApiJob): KnownJob {
    const known = this.jobs.get(job.id);
    if (known) {
      known.status = job.status;
      return known;
    }
    const fresh: KnownJob = {
      id: job.id,
      tenant: job.tenant,
      type: job.type,
      parentId: job.parentId,
      rootId: job.rootId,
      data: job.data,
      acceptedAt: null,
      status: job.status,
      asked: [],
    };
    this.jobs.set(job.id, fresh);
    return fresh;
  }

  asked(id: string, asked: Asked): void {
    this.jobs.get(id)?.asked.push(asked);
  }

  /** Jobs last seen in one of these statuses. */
  inStatus(statuses: readonly string[]): KnownJob[] {
    return [...this.jobs.values()].filter((job) => statuses.includes(job.status));
  }

  accepted(): KnownJob[] {
    return [...this.jobs.values()].filter((job) => job.acceptedAt !== null);
  }
}
