import * as z from 'zod';
import { BadRequestError } from '../errors.ts';
import type { Job } from '../job.ts';
import { toJob, type JobRecord } from '../job-record.ts';
import type { IndexName } from '../resource-spec.ts';
import type { JobStore } from '../store/job-store.ts';
import { jobOfCreateSortKey, listPartitions, pad, parentPartitions, statusPartitions, typePartitions, type Listing } from '../store/table-keys.ts';
import { fingerprint, type CursorCodec } from './cursor.ts';
import { IndexMerge, type IndexSource, type SortKeyRange } from './index-merge.ts';
import type { JobQuery } from './job-query.ts';
import { inRange } from './param-schemas.ts';

export type JobScope = { tenant: string } | { allTenants: true; tenants: string[] };

export interface FindJobsResult {
  items: Job[];
  nextCursor: string | null;
  /** The read budget ran out before the page filled; more may match past `nextCursor`. */
  partial: boolean;
  /** Index keys plus job items read for this page: what the page cost. */
  itemsRead: number;
}

/** Index keys a date-sorted page may consume, per requested row, when filters apply after the read. */
export const KEY_BUDGET_PER_ROW = 2;
/** A text search matches few rows; it may look further, still bounded. */
export const SEARCH_KEY_BUDGET_PER_ROW = 5;
/**
 * sort=name has no index ordered by label. It sorts the newest NAME_SORT_WINDOW jobs the
 * chosen index selects; beyond that the result is `partial`. A label index (a sixth GSI, or
 * label-prefixed sort keys on gsi3) would lift the limit at the cost of another write per job.
 */
export const NAME_SORT_WINDOW = 1000;
/** Each partition costs a request and a few keys read ahead per page; more than this is a query to narrow. */
export const MAX_PARTITIONS = 256;

const dateCursor = z.strictObject({ v: z.literal(1), s: z.literal('date'), p: z.string().regex(/^\d{13}#[A-Za-z0-9_.:-]{1,128}$/) });
const nameCursor = z.strictObject({ v: z.literal(1), s: z.literal('name'), l: z.string().max(400), i: z.string().max(128) });

/**
 * Lists jobs for the monitor and `sys.jobs.find`, served by index queries only. The most
 * selective index is read (parent → gsi4, status → gsi2, type → gsi3, else gsi1); the create
 * range becomes a sort-key BETWEEN; every other filter applies to the items of the page's keys
 * (BatchGet), re-checking the key filters too because KEYS_ONLY indexes lag the table.
 * `cursors` seals the positions handed out (the api's) or leaves them readable (a system job's own).
 */
export async function findJobs(store: JobStore, scope: JobScope, query: JobQuery, now: number, cursors: CursorCodec): Promise<FindJobsResult> {
  const tenants = 'tenant' in scope ? [scope.tenant] : [...new Set(scope.tenants)].sort();
  const sources = indexSources(tenants, query);
  const range = sortKeyRange(query);
  const print = queryPrint(tenants, query);
  const match = matcher(tenants, query);
  const none: FindJobsResult = { items: [], nextCursor: null, partial: false, itemsRead: 0 };
  // No tenants, or bounds that exclude each other (createFrom after endTo): nothing to read.
  if (sources.length === 0 || range[0] > range[1]) return none;
  // The children index is keyed by parent alone, not by tenant. Another tenant's parent must
  // answer as an unknown one does: no rows, and no cursor saying that it has children.
  const parentRead = query.parentId === null ? 0 : 1;
  if (query.parentId !== null && !(await parentVisible(store, query.parentId, tenants))) return { ...none, itemsRead: parentRead };
  const plan: Plan = { store, sources, range, query, match, print, now, cursors };
  const page = query.sort === 'name' ? await byName(plan) : await byDate(plan);
  return { ...page, itemsRead: page.itemsRead + parentRead };
}

interface Plan {
  store: JobStore;
  sources: IndexSource[];
  range: SortKeyRange;
  query: JobQuery;
  match: (record: JobRecord) => boolean;
  /** Fingerprint of the query and scope the cursor is bound to. */
  print: string;
  now: number;
  cursors: CursorCodec;
}

/** A child has its parent's tenant (submit checks it), so a parent outside the scope has no visible children. */
async function parentVisible(store: JobStore, parentId: string, tenants: readonly string[]): Promise<boolean> {
  const parent = await store.get(parentId);
  return parent === undefined || tenants.includes(parent.tenant);
}

async function byDate({ store, sources, range, query, match, print, now, cursors }: Plan): Promise<FindJobsResult> {
  let position: string | undefined;
  if (query.cursor !== null) {
    const cursor = cursors.decode(query.cursor, dateCursor, print);
    if (cursor.p < range[0] || cursor.p > range[1]) throw new BadRequestError('cursor is outside the query range', 'cursor');
    position = cursor.p;
  }
  const merge = new IndexMerge(store, sources, range, position);
  const budget = query.size * (query.q === null ? KEY_BUDGET_PER_ROW : SEARCH_KEY_BUDGET_PER_ROW);
  // When the keys decide the match, read exactly the rows still missing; when filters reject
  // items, read chunks of a page so a sparse filter takes a few round trips, not dozens.
  const exact = keysDecide(query);
  const items: Job[] = [];
  let consumed = 0;
  let itemsRead = 0;
  let stoppedEarly = false;
  while (items.length < query.size && consumed < budget) {
    const keys = await merge.next(Math.min(exact ? query.size - items.length : query.size, budget - consumed));
    if (keys.length === 0) break;
    consumed += keys.length;
    const records = await store.getMany(keys.map(jobOfCreateSortKey));
    itemsRead += records.size;
    for (const key of keys) {
      // The page is full: the remaining keys are read again by the next page.
      if (items.length >= query.size) {
        stoppedEarly = true;
        break;
      }
      const record = records.get(jobOfCreateSortKey(key));
      if (record !== undefined && match(record)) items.push(toJob(record, now));
      position = key;
    }
  }
  const more = stoppedEarly || (position !== undefined && (await merge.hasMore()));
  return {
    items,
    nextCursor: more ? cursors.encode({ v: 1, s: 'date', p: position }, print) : null,
    partial: more && items.length < query.size,
    itemsRead: itemsRead + merge.keysRead,
  };
}

async function byName({ store, sources, range, query, match, print, now, cursors }: Plan): Promise<FindJobsResult> {
  let after: { label: string; id: string } | undefined;
  if (query.cursor !== null) {
    const cursor = cursors.decode(query.cursor, nameCursor, print);
    after = { label: cursor.l, id: cursor.i };
  }
  const merge = new IndexMerge(store, sources, range);
  const keys = await merge.next(NAME_SORT_WINDOW);
  const truncated = await merge.hasMore();
  const records = await store.getMany(keys.map(jobOfCreateSortKey));
  const sorted = [...records.values()].filter(match).sort(byLabel);
  const from = after === undefined ? 0 : firstAfter(sorted, after);
  const page = sorted.slice(from, from + query.size);
  const last = page.at(-1);
  const more = last !== undefined && from + page.length < sorted.length;
  return {
    items: page.map((r) => toJob(r, now)),
    nextCursor: more ? cursors.encode({ v: 1, s: 'name', l: last.label, i: last.id }, print) : null,
    partial: truncated,
    itemsRead: merge.keysRead + records.size,
  };
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function byLabel(a: Pick<JobRecord, 'label' | 'id'>, b: Pick<JobRecord, 'label' | 'id'>): number {
  return collator.compare(a.label, b.label) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function firstAfter(sorted: JobRecord[], after: { label: string; id: string }): number {
  const index = sorted.findIndex((r) => byLabel(r, after) > 0);
  return index === -1 ? sorted.length : index;
}

/** Whether the index partitions alone decide which keys match (items may still lag the index). */
function keysDecide(q: JobQuery): boolean {
  const itemFilters = q.start !== null || q.end !== null || q.hasErrors !== null || q.rootId !== null || q.q !== null;
  const secondList = q.parentId !== null ? q.statuses.length > 0 || q.types.length > 0 : q.statuses.length > 0 && q.types.length > 0;
  return !itemFilters && !secondList;
}

/** What a cursor is bound to: everything but the page size and the cursor itself. */
function queryPrint(tenants: readonly string[], q: JobQuery): string {
  const range = (r: JobQuery['create']) => (r === null ? null : [r.from, r.to]);
  return fingerprint([
    tenants,
    q.types,
    q.statuses,
    range(q.create),
    range(q.start),
    range(q.end),
    q.hasErrors,
    q.system,
    q.children,
    q.parentId,
    q.rootId,
    q.sort,
    q.q,
  ]);
}

/** The partitions to merge, from the most selective key filter the query has. */
export function indexSources(tenants: readonly string[], query: JobQuery): IndexSource[] {
  if (query.parentId !== null) return shardSources('gsi4', parentPartitions(query.parentId));
  const listings = listingsOf(query);
  const sources: IndexSource[] = [];
  for (const tenant of tenants) {
    for (const listing of listings) {
      if (query.statuses.length > 0) {
        for (const status of query.statuses) sources.push(...shardSources('gsi2', statusPartitions(tenant, listing, status)));
      } else if (query.types.length > 0) {
        for (const type of query.types) sources.push(...shardSources('gsi3', typePartitions(tenant, listing, type)));
      } else {
        sources.push(...shardSources('gsi1', listPartitions(tenant, listing)));
      }
    }
  }
  if (sources.length > MAX_PARTITIONS) {
    const field = query.statuses.length > 0 ? 'status' : query.types.length > 0 ? 'type' : 'tenant';
    throw new BadRequestError(`the query spans ${sources.length} index partitions (at most ${MAX_PARTITIONS}); narrow ${field}`, field);
  }
  return sources;
}

/** One list's partitions: the shards of a sharded one each take their share of a page. */
const shardSources = (index: IndexName, partitions: readonly string[]): IndexSource[] =>
  partitions.map((partition) => ({ index, partition, ...(partitions.length > 1 ? { shards: partitions.length } : {}) }));

/** The lists a query reads: user roots, plus system jobs and children when asked for (a tree always has children). */
function listingsOf(query: Pick<JobQuery, 'system' | 'children' | 'rootId'>): Listing[] {
  const systems = query.system ? [false, true] : [false];
  const children = query.children || query.rootId !== null ? [false, true] : [false];
  return systems.flatMap((system) => children.map((child) => ({ system, child })));
}

/** Clocks of the api and the workers may disagree this much about create vs start. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Create-date bounds as sort keys `<createDate:13>#<id>` (`#~` sorts after every id). A job
 * starts after it is created and ends after it starts, so startTo and endTo also bound the
 * create date from above: `endTo` alone then reads only old keys instead of paging through
 * every newer job to reach them.
 */
export function sortKeyRange(query: Pick<JobQuery, 'create' | 'start' | 'end'>): SortKeyRange {
  const from = query.create?.from ?? null;
  const uppers = [query.create?.to ?? null, ...[query.start?.to, query.end?.to].map((t) => (t == null ? null : t + CLOCK_SKEW_MS))];
  const bounds = uppers.filter((t): t is number => t !== null);
  const to = bounds.length === 0 ? null : Math.min(...bounds);
  return [from === null ? '0' : pad(from, 13), `${to === null ? '9'.repeat(13) : pad(to, 13)}#~`];
}

/** Every filter of the query, on a stored item. */
export function matcher(tenants: readonly string[], query: JobQuery): (record: JobRecord) => boolean {
  const needle = query.q?.toLowerCase() ?? null;
  return (r) =>
    tenants.includes(r.tenant) &&
    (query.system || !r.system) &&
    (query.statuses.length === 0 || query.statuses.includes(r.status)) &&
    (query.types.length === 0 || query.types.includes(r.type)) &&
    (query.parentId === null || r.parentId === query.parentId) &&
    (query.rootId === null || r.rootId === query.rootId) &&
    (query.hasErrors === null || r.hasErrors === query.hasErrors) &&
    inRange(r.createDate, query.create) &&
    inRange(r.startDate, query.start) &&
    inRange(r.endDate, query.end) &&
    (needle === null ||
      r.label.toLowerCase().includes(needle) ||
      r.type.toLowerCase().includes(needle) ||
      (r.runBy?.name.toLowerCase().includes(needle) ?? false));
}

/** Every page of a query, following cursors (CSV export). Partial pages simply continue. */
export async function* jobPages(store: JobStore, scope: JobScope, query: JobQuery, now: number, cursors: CursorCodec): AsyncGenerator<Job[], void, undefined> {
  let cursor = query.cursor;
  do {
    const page = await findJobs(store, scope, { ...query, cursor }, now, cursors);
    if (page.items.length > 0) yield page.items;
    cursor = page.nextCursor;
  } while (cursor !== null);
}
