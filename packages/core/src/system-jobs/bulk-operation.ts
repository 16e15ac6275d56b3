import { defineJob, type JobDefinition } from '@stint/sdk';
import type { Operation } from '../lifecycle.ts';
import { applyToMatching, type MatchingOutcome } from './apply-to-matching.ts';
import type { SystemJobEngine } from './system-job-engine.ts';

export const BULK_OPERATION = 'BULK_OPERATION';

export interface BulkOperationData {
  operation: Operation;
  /** Find query parameters (as `GET /api/jobs` takes them), without cursor or page size. */
  filter: Record<string, string>;
}

export type BulkOperationResults = MatchingOutcome & { operation: Operation };

/** `POST /api/jobs/bulk {op, filter}`: the operation over every job the filter matches, in the caller's scope. */
export function bulkOperationJob(engine: SystemJobEngine): JobDefinition<BulkOperationData, BulkOperationResults> {
  return defineJob<BulkOperationData, BulkOperationResults>({
    type: BULK_OPERATION,
    system: true,
    label: (data) => `Bulk ${data.operation}`,
    async run(ctx) {
      const outcome = await applyToMatching(ctx, engine, ctx.data.operation, ctx.data.filter);
      if (outcome.failed > 0) ctx.log.info(`${outcome.failed} of ${outcome.matched} jobs could not be changed; see results.failures`);
      return { operation: ctx.data.operation, ...outcome };
    },
  });
}
