import type { JobContext } from '@stint/sdk';
import { StintError } from '../errors.ts';
import type { Operation } from '../lifecycle.ts';
import { openCursors } from '../query/cursor.ts';
import { parseJobQuery } from '../query/job-query.ts';
import type { SystemJobEngine } from './system-job-engine.ts';
import { systemJobScope } from './system-scope.ts';

export interface MatchingOutcome {
  matched: number;
  changed: number;
  failed: number;
  /** The first failures, each with the error code the api would have answered for that id. */
  failures: Array<{ id: string; code: string; message: string }>;
}

/** One page is one step: a crash or a stop repeats at most one page, and a page fits any slice budget. */
export const PAGE_SIZE = 100;
/** Failures kept in the results (the seeds cap per-record result maps at 1,000 too). */
export const MAX_FAILURES = 1_000;
/** Concurrent operations: each is a few conditional writes; more would only queue on DynamoDB. */
const PARALLELISM = 8;

/**
 * Applies an operation to every job the find query matches, page by page with the finder's
 * cursor. The cursor is a position in create-date order, so jobs the operation moves to
 * another status partition are neither revisited nor skipped. One job's failure (a 409 from
 * its status, a race) is recorded and the rest go on.
 */
export async function applyToMatching(
  ctx: Pick<JobContext<unknown, unknown>, 'step' | 'job'>,
  engine: SystemJobEngine,
  operation: Operation,
  params: Record<string, string>,
): Promise<MatchingOutcome> {
  const totals: MatchingOutcome = { matched: 0, changed: 0, failed: 0, failures: [] };
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const from: string | null = cursor;
    const outcome = await ctx.step(`page-${page}`, async () => {
      const scope = systemJobScope(ctx.job.tenant);
      const query = parseJobQuery({ ...params, _size: String(PAGE_SIZE), ...(from === null ? {} : { cursor: from }) });
      const found = await engine.monitor.jobs(scope, query, openCursors);
      const ids = found.items.map((job) => job.id).filter((id) => id !== ctx.job.id);
      const failures: MatchingOutcome['failures'] = [];
      for (let i = 0; i < ids.length; i += PARALLELISM) {
        await Promise.all(
          ids.slice(i, i + PARALLELISM).map(async (id) => {
            try {
              await engine.apply(operation, id, scope);
            } catch (error) {
              // Retrying the page would replay operations already applied as spurious 409s;
              // an infrastructure error is reported for its id like any other failure.
              failures.push(error instanceof StintError ? { id, code: error.code, message: error.message } : { id, code: 'internal', message: String(error) });
            }
          }),
        );
      }
      return { next: found.nextCursor, matched: ids.length, failures };
    });
    totals.matched += outcome.matched;
    totals.changed += outcome.matched - outcome.failures.length;
    totals.failed += outcome.failures.length;
    totals.failures.push(...outcome.failures.slice(0, MAX_FAILURES - totals.failures.length));
    cursor = outcome.next;
    if (cursor === null) return totals;
  }
}
