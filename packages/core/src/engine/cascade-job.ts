import { defineJob, type JobDefinition } from '@stint/sdk';
import { CASCADE, type MarkedOperation } from './cascade-marker.ts';

export interface CascadeJobData {
  jobId: string;
  operation: MarkedOperation;
  /** When a retry was asked: only jobs that had ended by then are retried (retry.ts). */
  since?: number;
}

/** Walks one page of a job's children and returns where the next page starts (engine.ts). */
export type CascadePage = (data: CascadeJobData, startKey: Record<string, unknown> | undefined) => Promise<Record<string, unknown> | undefined>;

/**
 * The walk of a tree too wide for one api request (cascade.ts). One page of children is one
 * step: a crash repeats at most one page, and every change in it is conditional, so the
 * repeat changes nothing twice. Not stoppable: stopping it would leave the tree half changed.
 */
export function cascadeJob(page: CascadePage): JobDefinition<CascadeJobData> {
  return defineJob<CascadeJobData>({
    type: CASCADE,
    system: true,
    // Only the engine starts a walk: a submitted one would change a tree no operation asked for.
    access: { submit: 'internal' },
    stoppable: false,
    // A walk that failed is walked again by the sweeper's redo of its operation, not retried by hand.
    retryable: false,
    label: (data) => `${data.operation} the descendants of ${data.jobId}`,
    async run(ctx) {
      let start: Record<string, unknown> | undefined;
      for (let index = 0; ; index++) {
        const from = start;
        const next = await ctx.step(`page-${index}`, async () => (await page(ctx.data, from)) ?? null);
        if (next === null) return { pages: index + 1 };
        start = next;
      }
    },
  });
}
