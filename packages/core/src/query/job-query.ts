import * as z from 'zod';
import { jobIdSchema, jobStatusSchema, jobTypeSchema } from '../input-fields.ts';
import { JOB_STATUSES, type JobStatus } from '../job.ts';
import {
  boolParam,
  cursorParam,
  DEFAULT_PAGE_SIZE,
  listParam,
  msParam,
  parseParams,
  sizeParam,
  textParam,
  timeRange,
  type TimeRange,
} from './param-schemas.ts';

export type JobSort = 'date' | 'name';

/** The `sys.jobs.find` query, parsed. Empty lists mean "any". */
export interface JobQuery {
  types: string[];
  statuses: JobStatus[];
  create: TimeRange | null;
  start: TimeRange | null;
  end: TimeRange | null;
  hasErrors: boolean | null;
  /** false (the default) hides system jobs; true shows user and system jobs together. */
  system: boolean;
  /**
   * false (the default) lists root jobs only, as the monitor's main list does; true adds their
   * children. `parentId` and `rootId` look inside a tree, so they include children anyway.
   */
  children: boolean;
  parentId: string | null;
  rootId: string | null;
  sort: JobSort;
  size: number;
  cursor: string | null;
  /** Case-insensitive substring of label, type or runBy.name. */
  q: string | null;
}

export const jobQuerySchema = z
  .strictObject({
    type: listParam(jobTypeSchema, 'job types (upper-case, e.g. EXECUTE_ACTION)'),
    status: listParam(jobStatusSchema, `statuses (${JOB_STATUSES.join(', ')})`, JOB_STATUSES.length),
    createFrom: msParam,
    createTo: msParam,
    startFrom: msParam,
    startTo: msParam,
    endFrom: msParam,
    endTo: msParam,
    hasErrors: boolParam,
    system: boolParam,
    children: boolParam,
    parentId: jobIdSchema,
    rootId: jobIdSchema,
    sort: z.enum(['date', 'name'], { error: 'must be date or name' }),
    _size: sizeParam,
    cursor: cursorParam,
    q: textParam,
  })
  .partial();

export const JOB_QUERY_PARAMS = Object.keys(jobQuerySchema.shape);

/** Parses the find query; throws BadRequestError naming the parameter. Pure. */
export function parseJobQuery(params: Record<string, string>): JobQuery {
  const p = parseParams(jobQuerySchema, params, JOB_QUERY_PARAMS);
  return {
    types: p.type ?? [],
    statuses: (p.status ?? []) as JobStatus[],
    create: timeRange(p.createFrom, p.createTo, 'createFrom', 'createTo'),
    start: timeRange(p.startFrom, p.startTo, 'startFrom', 'startTo'),
    end: timeRange(p.endFrom, p.endTo, 'endFrom', 'endTo'),
    hasErrors: p.hasErrors ?? null,
    system: p.system ?? false,
    children: p.children ?? false,
    parentId: p.parentId ?? null,
    rootId: p.rootId ?? null,
    sort: p.sort ?? 'date',
    size: p._size ?? DEFAULT_PAGE_SIZE,
    cursor: p.cursor ?? null,
    q: p.q ?? null,
  };
}
