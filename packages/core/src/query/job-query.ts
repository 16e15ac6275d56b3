import * as z from 'zod';
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

/** Same rule as the SDK's job types (`defineJob`) and the submission schema. */
const TYPE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Job ids are generated (base36 and a lower-case alphabet); the wider set costs nothing. */
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

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

const idParam = z.string().regex(ID_PATTERN, 'must be a job id (letters, digits, _ . : -, at most 128)');

export const jobQuerySchema = z.strictObject({
  type: listParam((t) => TYPE_PATTERN.test(t), 'job type (upper-case, e.g. EXECUTE_ACTION)'),
  status: listParam((s) => (JOB_STATUSES as readonly string[]).includes(s), `status (valid: ${JOB_STATUSES.join(', ')})`, JOB_STATUSES.length),
  createFrom: msParam,
  createTo: msParam,
  startFrom: msParam,
  startTo: msParam,
  endFrom: msParam,
  endTo: msParam,
  hasErrors: boolParam,
  system: boolParam,
  children: boolParam,
  parentId: idParam,
  rootId: idParam,
  sort: z.enum(['date', 'name'], { error: 'must be date or name' }),
  _size: sizeParam,
  cursor: cursorParam,
  q: textParam,
}).partial();

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
