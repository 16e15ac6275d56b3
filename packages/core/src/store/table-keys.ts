/**
 * Key layout of the single table. Pure functions, unit-tested without a network.
 *
 *   item              pk                 sk
 *   job               J#<id>             J
 *   step checkpoint   J#<id>             C#<step name>
 *   log lines         J#<id>             L#<ts:13>#<seq:6>#<rand>   (a chunk of one append's lines, the first line's time; once one line each)
 *   root lane         F#<rootId>[#<n>]   L#<lane>         (fairness: virtual time, ready version; `tree` once a child was made ready; a tree's charges over ROOT_SHARDS)
 *   summary counters  T#<tenant>[#<n>]   SUM#<l>          (per listing, see below; version; shard 0 keeps the reconcile state)
 *   stats bucket      T#<tenant>[#<n>]   ST#<minute:13>   (a tenant's counters are spread over COUNTER_SHARDS partitions, n = 1…7; shard 0 has none)
 *   idempotency key   I#<tenant>#<key>   I
 *   api key by hash   K#<sha256>         K
 *   api key listing   KEYS               <key id>
 *   tenant directory  TENANTS            <tenant>
 *   reconcile cursor  RC                 C                 (the next tenant whose counters the sweeper re-derives)
 *   schedule          SC                 <tenant>#<schedule id>   (installation ones under ADMIN_TENANT)
 *   schedule catalog  SCC                C                 (what the last reconcile planned)
 *   run seen by       V#<viewer>         <job id>          (unread-logs marker)
 *   run record        H#<tenant>#<schedule id>  <createDate:13>#<job id>   (a schedule's history: the newest runs, kept after their jobs)
 *   local stack run   LOCAL              RUN               (npm start only: stopped cleanly or not)
 *   cascade marker    X#<shard>          <job id>          (an operation over a tree, until done)
 *   concurrency key   CK#<tenant>#<type>#<key>  CK     (a limited type's slots for one key: the holders' tokens, concurrency-gate.ts)
 *   outside event     E#<tenant>#<name>#<key>   <event id>   (sent with POST /api/events; kept EVENT_RETENTION, then TTL)
 *   event waiter      EW#<tenant>#<name>#<key>  <job id>     (a job parked in ctx.waitForEvent, until it resolves or times out)
 *   monitor session   S#<session mac>    S                 (live until sign-out or expiry; the mac needs the api's secret)
 *   step execution    CHAOS#<job id>     <token>#<step>#<exec id>   (npm run chaos only: every run of a chaos step)
 *
 * Index keys of a job (all KEYS_ONLY), where <l> is how the job is listed: u (user job),
 * s (system job), uc / sc (their children) — so the main list holds root jobs, and children
 * or system jobs are merged in only when asked for:
 *   gsi1  T#<tenant>#<l>[#<n>]         <createDate:13>#<id>   list, newest first (a child listing's over CHILD_LIST_SHARDS, by job)
 *   gsi2  T#<tenant>#<l>#S#<status>[#<n>]  <createDate:13>#<id>   by status (PENDING and RUNNING over STATUS_SHARDS, a child listing's over more, and its other statuses too; by job)
 *   gsi3  T#<tenant>#<l>#Y#<type>[#<n>]  <createDate:13>#<id>   by type (as gsi1)
 * (a sharded list's shard 0 has no suffix)
 *   gsi4  P#<parentId>[#<n>]           <createDate:13>#<id>   children (CHILD_SHARDS, by child)
 *   gsi5  R#<lane>#<rootId>[#<n>]      <readyAt:13>#<id>[#C]  ready for dispatch (`#C`: its type has a concurrency limit; a tree's jobs over ROOT_SHARDS, the root in shard 0)
 *         I#<shard>                    <rootId>#<id>          dispatched or running (holds a root slot; IN_FLIGHT_SHARDS, by root, a tree's jobs over ROOT_SHARDS of them)
 *         W#<shard>                    <id>                   parked, waiting for children
 *         A#<shard>                    <id>                   adopted child not yet counted on its parent
 *         N#<shard>                    <runAt:13>#<id>        a job submitted to start later, due first
 *         B#<tenant>#<type>#<key>      <since:13>#<id>        waiting for a slot of its concurrency key, oldest first
 * and of a concurrency key item, while jobs wait for its slots:
 *   gsi5  G#<shard>                    <tenant>#<type>#<key>
 * and of a root lane item:
 *   gsi5  Q#<lane>[#<n>]               <vtime:15>#<rootId>    roots with ready work, least served first (LANE_SHARDS, by root; shard 0 has no suffix)
 * and of a schedule item:
 *   gsi5  D                            <nextRunAt:13>#<tenant>#<schedule id>   due first
 */
import type { JobStatus, Lane } from '../job.ts';
import { TABLE } from '../resource-spec.ts';

export const SHARDS = 8;

/**
 * A partition spread over shards: shard 0 keeps the unsuffixed key it had before sharding, so
 * items and entries written then are still read.
 */
const shardPartition = (base: string, shard: number) => (shard === 0 ? base : `${base}#${shard}`);

export function pad(value: number, width: number): string {
  return Math.max(0, Math.floor(value)).toString().padStart(width, '0');
}

/** A job's own partition: the job item, its checkpoints and its log lines. */
export const jobPartition = (id: string) => `J#${id}`;
export const jobKey = (id: string) => ({ pk: jobPartition(id), sk: TABLE.jobSortKey });
/** The job id of a job item's (or any of its index entries') partition key. */
export const jobIdOfPk = (pk: string) => pk.slice(2);
/** Sort-key prefixes of the items in a job's own partition besides the job. */
export const checkpointPrefix = 'C#';
export const logPrefix = 'L#';
export const checkpointKey = (jobId: string, step: string) => ({ pk: jobPartition(jobId), sk: `${checkpointPrefix}${step}` });
/** The step name of a checkpoint's sort key. */
export const stepOfCheckpointSortKey = (sk: string) => sk.slice(checkpointPrefix.length);
export const logSortKey = (timestamp: number, seq: number) => `${logPrefix}${pad(timestamp, 13)}#${pad(seq, 6)}`;
/**
 * What a log line's key looks like (the api checks a cursor's position against it): its item's
 * sort key, and for a line of a chunk its index in the chunk (`.<index>`). An item written
 * before chunks holds one line and has no index.
 */
export const LOG_SORT_KEY_PATTERN = /^L#\d{13}#\d{6}(#[0-9a-z]{0,8})?(\.\d{1,5})?$/;
/** A log item's or line's position (its key without the prefix): the cursor the api hands out. */
export const logPositionOf = (sk: string) => sk.slice(logPrefix.length);
export const logSortKeyAt = (position: string) => `${logPrefix}${position}`;
/** The key of line `index` of the chunk at `sk`. */
export const logLineKey = (sk: string, index: number) => `${sk}.${index}`;
/** The item a line's key names, and the line's index in it (null: the whole item, one line written before chunks). */
export function logItemOfLineKey(key: string): { sk: string; index: number | null } {
  const dot = key.indexOf('.');
  return dot === -1 ? { sk: key, index: null } : { sk: key.slice(0, dot), index: Number(key.slice(dot + 1)) };
}
/** The sort-key range of the log lines written from `from` to `to` (ms, inclusive). */
export const logRange = (from: number, to: number): [string, string] => [`${logPrefix}${pad(from, 13)}`, `${logPrefix}${pad(to, 13)}~`];
const rootLanePrefix = 'L#';
/**
 * A root's lane item, which alone holds its lane entry (shard 0), and for a tree the items its
 * children's charges are spread over by job (shards 1… of ROOT_SHARDS, `chargeShardOf`), so
 * they do not all land on one item: the root's virtual time is the sum of its items' `vtime`.
 */
export const rootLaneKey = (rootId: string, lane: Lane, shard = 0) => ({ pk: shardPartition(`F#${rootId}`, shard), sk: `${rootLanePrefix}${lane}` });
/** The partitions and sort-key prefix of a root's lane items (one per lane it has used, in each shard). */
export const rootLanesOf = (rootId: string) => ({ pks: rootShards.map((shard) => shardPartition(`F#${rootId}`, shard)), prefix: rootLanePrefix });
const tenantPartition = (tenant: string) => `T#${tenant}`;
/**
 * A tenant's counter items are spread over this many partitions, so that one busy tenant's
 * deltas are not all written to one key (DynamoDB takes about 1,000 write units a second per
 * partition key): each flush of a batch writes to one shard, and readers add the shards up.
 */
export const COUNTER_SHARDS = 8;
export const counterShards: readonly number[] = Array.from({ length: COUNTER_SHARDS }, (_, shard) => shard);
/** Shard 0 is the tenant's partition as it was before sharding, so counters written then still count. */
const counterPartition = (tenant: string, shard: number) => shardPartition(tenantPartition(tenant), shard);
const statsSortKey = (minute: number) => `ST#${pad(minute, 13)}`;
export const statsPartition = counterPartition;
export const statsKey = (tenant: string, minute: number, shard: number) => ({ pk: statsPartition(tenant, shard), sk: statsSortKey(minute) });
/** The sort-key range of a tenant's stats buckets for the minutes from `from` to `to`. */
export const statsRange = (from: number, to: number): [string, string] => [statsSortKey(minuteOf(from)), statsSortKey(minuteOf(to))];
export const idempotencyKey = (tenant: string, key: string) => ({ pk: `I#${tenant}#${key}`, sk: 'I' });
export const apiKeyKey = (hash: string) => ({ pk: `K#${hash}`, sk: 'K' });
/** The api keys' listing partition, one item per key id (for listing and revoking by id). */
export const API_KEY_LISTING = 'KEYS';
export const apiKeyListingKey = (keyId: string) => ({ pk: API_KEY_LISTING, sk: keyId });
export const TENANT_DIRECTORY = 'TENANTS';
export const tenantDirectoryKey = (tenant: string) => ({ pk: TENANT_DIRECTORY, sk: tenant });
export const reconcileCursorKey = { pk: 'RC', sk: 'C' } as const;
export const SCHEDULE_PARTITION = 'SC';
export const scheduleSortKey = (tenant: string, scheduleId: string) => `${tenant}#${scheduleId}`;
export const scheduleKey = (tenant: string, scheduleId: string) => ({ pk: SCHEDULE_PARTITION, sk: scheduleSortKey(tenant, scheduleId) });
/** A schedule row's key from its sort key (a list cursor's position). */
export const scheduleKeyAt = (sk: string) => ({ pk: SCHEDULE_PARTITION, sk });
/** The tenant and schedule id of a schedule's sort key (tenants hold no `#`). */
export function scheduleOfSortKey(sk: string): { tenant: string; scheduleId: string } {
  const split = sk.indexOf('#');
  return { tenant: sk.slice(0, split), scheduleId: sk.slice(split + 1) };
}
export const scheduleCatalogKey = { pk: 'SCC', sk: 'C' } as const;
export const seenKey = (viewer: string, jobId: string) => ({ pk: `V#${viewer}`, sk: jobId });
export const localRunKey = { pk: 'LOCAL', sk: 'RUN' } as const;
export const cascadeShard = (shard: number) => `X#${shard}`;
export const cascadeKey = (jobId: string) => ({ pk: cascadeShard(shardOf(jobId)), sk: jobId });
export const chaosExecutionsPartition = (jobId: string) => `CHAOS#${jobId}`;
export const chaosExecutionKey = (jobId: string, token: string, step: string, execId: string) => ({
  pk: chaosExecutionsPartition(jobId),
  sk: `${token}#${step}#${execId}`,
});
/** Event names and tenants hold no `#`, so the key (last) may hold anything. */
export const eventPartition = (tenant: string, name: string, key: string) => `E#${tenant}#${name}#${key}`;
export const eventKey = (tenant: string, name: string, key: string, eventId: string) => ({ pk: eventPartition(tenant, name, key), sk: eventId });
export const eventWaiterPartition = (tenant: string, name: string, key: string) => `EW#${tenant}#${name}#${key}`;
export const eventWaiterKey = (tenant: string, name: string, key: string, jobId: string) => ({ pk: eventWaiterPartition(tenant, name, key), sk: jobId });
export const sessionKey = (sessionMac: string) => ({ pk: `S#${sessionMac}`, sk: 'S' });
export const DUE_PARTITION = 'D';
export const dueSortKey = (nextRunAt: number, tenant: string, scheduleId: string) => `${pad(nextRunAt, 13)}#${scheduleSortKey(tenant, scheduleId)}`;
/** The sort-key range of the schedules due at `now`. */
export const dueRange = (now: number): [string, string] => ['0', `${pad(now, 13)}#~`];
/** A schedule's run records, newest last by sort key; a tenant's history is its own partition. */
export const runRecordPartition = (tenant: string, scheduleId: string) => `H#${tenant}#${scheduleId}`;
export const runRecordKey = (tenant: string, scheduleId: string, createDate: number, jobId: string) => ({
  pk: runRecordPartition(tenant, scheduleId),
  sk: createSortKey(createDate, jobId),
});
/** The job id of a run record's sort key. */
export const jobOfRunRecordSortKey = (sk: string) => sk.slice(14);

/** Which list a job shows in: user or system jobs, roots or their children. */
export interface Listing {
  system: boolean;
  child: boolean;
}

export function listingOf(job: { system: boolean; parentId?: string | null | undefined }): Listing {
  return { system: job.system, child: Boolean(job.parentId) };
}

const listingCode = (listing: Listing) => `${listing.system ? 's' : 'u'}${listing.child ? 'c' : ''}`;

/** Every listing, root user jobs first (what the monitor shows by default). */
export const LISTINGS: readonly Listing[] = [
  { system: false, child: false },
  { system: false, child: true },
  { system: true, child: false },
  { system: true, child: true },
];

export const summaryKey = (tenant: string, listing: Listing, shard: number) => ({ pk: counterPartition(tenant, shard), sk: `SUM#${listingCode(listing)}` });

const listBase = (tenant: string, listing: Listing) => `${tenantPartition(tenant)}#${listingCode(listing)}`;
/**
 * Every job enters and leaves PENDING and RUNNING, a put and a delete of its gsi2 entry in each,
 * so one partition per status would take two writes per job of the tenant (500 jobs/s at
 * DynamoDB's 1,000 write units per partition key): those two statuses are spread over shards by
 * job id. Every other status, and the list and type partitions, take one write per job (its put,
 * its end, an operation), which a root listing's partitions take in one; a child listing's are
 * spread too, since one tree may spawn thousands of children a second (2,000 is the target)
 * and every one of them is its tenant's. Readers merge a listing's shards. Shard 0 is the
 * partition as it was before sharding, and a count only grows, so entries written then are
 * still read.
 */
export const STATUS_SHARDS = 4;
const CHILD_STATUS_SHARDS = 8;
export const CHILD_LIST_SHARDS = 4;
const SHARDED_STATUSES: readonly JobStatus[] = ['PENDING', 'RUNNING'];
/** How many partitions one of a listing's lists is spread over: by status when given, else the list and type partitions. */
function listShardCount(listing: Listing, status?: JobStatus): number {
  const busy = status !== undefined && SHARDED_STATUSES.includes(status);
  if (listing.child) return busy ? CHILD_STATUS_SHARDS : CHILD_LIST_SHARDS;
  return busy ? STATUS_SHARDS : 1;
}
const shardsOf = (count: number, partition: (shard: number) => string) => Array.from({ length: count }, (_, shard) => partition(shard));

export const listPartition = (tenant: string, listing: Listing, shard = 0) => shardPartition(listBase(tenant, listing), shard);
/** Every partition of a listing's list, for its readers. */
export const listPartitions = (tenant: string, listing: Listing): string[] =>
  shardsOf(listShardCount(listing), (shard) => listPartition(tenant, listing, shard));
export const statusPartition = (tenant: string, listing: Listing, status: JobStatus, shard = 0) =>
  shardPartition(`${listBase(tenant, listing)}#S#${status}`, shard);
/** Every partition of one status, for readers that filter or count by status. */
export const statusPartitions = (tenant: string, listing: Listing, status: JobStatus): string[] =>
  shardsOf(listShardCount(listing, status), (shard) => statusPartition(tenant, listing, status, shard));
export const typePartition = (tenant: string, listing: Listing, type: string, shard = 0) => shardPartition(`${listBase(tenant, listing)}#Y#${type}`, shard);
/** Every partition of one type's list. */
export const typePartitions = (tenant: string, listing: Listing, type: string): string[] =>
  shardsOf(listShardCount(listing), (shard) => typePartition(tenant, listing, type, shard));
/**
 * A parent's children are spread over CHILD_SHARDS partitions by child id: one partition took
 * every child's put, so a parent could take at most 1,000 children a second (DynamoDB's write
 * units per partition key). Readers of a parent's children read every shard; shard 0 is the
 * partition as it was before sharding, so entries written then are still read.
 */
export const CHILD_SHARDS = 4;
export const parentPartition = (parentId: string, shard = 0) => shardPartition(`P#${parentId}`, shard);
/** Every partition of a parent's children. */
export const parentPartitions = (parentId: string): string[] => Array.from({ length: CHILD_SHARDS }, (_, shard) => parentPartition(parentId, shard));
/** The partition a child's entry goes to. */
export const parentPartitionOf = (child: { id: string; parentId: string }) => parentPartition(child.parentId, hashOf(child.id) % CHILD_SHARDS);
export const createSortKey = (createDate: number, id: string) => `${pad(createDate, 13)}#${id}`;
/** The job id of a list index entry's sort key (gsi1–gsi4). */
export const jobOfCreateSortKey = (sk: string) => sk.slice(14);

/**
 * A tree's dispatch sets are spread over ROOT_SHARDS partitions by job, so its children do not
 * all enter and leave one ready partition and one in-flight partition (each took two writes per
 * child: 500 children/s per root). The root job itself keeps shard 0, the keys as they were
 * before sharding, so a lone root reads and writes one partition of each as it did. A root
 * whose lane item says `tree` (a child touched it) has its every shard read.
 */
export const ROOT_SHARDS = 8;
export const rootShards: readonly number[] = Array.from({ length: ROOT_SHARDS }, (_, shard) => shard);
export const rootShardOf = (job: { id: string; rootId: string }) => (job.id === job.rootId ? 0 : hashOf(job.id) % ROOT_SHARDS);
/**
 * The lane item a slice's charge goes to: the root's own slices to the first, which holds the
 * lane entry, a child's to one of the others, so the first takes none of its children's charges.
 */
export const chargeShardOf = (job: { id: string; rootId: string }) => (job.id === job.rootId ? 0 : 1 + (hashOf(job.id) % (ROOT_SHARDS - 1)));
/** The shards of a root's sets its dispatch reads: all of a tree's, a lone root's first. */
export const rootShardsRead = (tree: boolean): readonly number[] => (tree ? rootShards : [0]);
export const readyPartition = (lane: Lane, rootId: string, shard = 0) => shardPartition(`R#${lane}#${rootId}`, shard);
/** The ready partition a job goes to. */
export const readyPartitionOf = (lane: Lane, job: { id: string; rootId: string }) => readyPartition(lane, job.rootId, rootShardOf(job));
const LIMITED_SUFFIX = '#C';
/** `limited`: the job's type has a concurrency limit, so the dispatcher claims it through the gate. */
export const readySortKey = (readyAt: number, id: string, limited = false) => `${pad(readyAt, 13)}#${id}${limited ? LIMITED_SUFFIX : ''}`;
/** The job id of a ready-set entry, and whether its type has a concurrency limit. */
export function readyEntryOf(sk: string): { id: string; limited: boolean } {
  const limited = sk.endsWith(LIMITED_SUFFIX);
  return { id: sk.slice(14, limited ? -LIMITED_SUFFIX.length : undefined), limited };
}
/** The job id of a ready-set entry. */
export const jobOfReadySortKey = (sk: string) => readyEntryOf(sk).id;
/**
 * Every slice enters and leaves the in-flight set, so it has more shards than the other sets:
 * a tree's entries spread over ROOT_SHARDS consecutive shards from its root's (a root's slots
 * are counted in one Query per root shard), and many roots spread over them. A multiple of
 * SHARDS, so that an entry written before the count grew sits in a shard still read
 * (`hashOf(root) % 8` is one of the ROOT_SHARDS shards its root maps to now).
 */
export const IN_FLIGHT_SHARDS = 32;
export const inFlightShard = (shard: number) => `I#${shard}`;
export const inFlightPartition = (rootId: string, rootShard = 0) => inFlightShard((hashOf(rootId) + rootShard) % IN_FLIGHT_SHARDS);
/** The in-flight partition a job goes to. */
export const inFlightPartitionOf = (job: { id: string; rootId: string }) => inFlightPartition(job.rootId, rootShardOf(job));
export const inFlightSortKey = (rootId: string, id: string) => `${rootId}#${id}`;
export const parkedShard = (shard: number) => `W#${shard}`;
export const parkedPartition = (id: string) => parkedShard(shardOf(id));
/** A child submitted with parentId, written but not yet counted on its parent (see job-tree.ts). */
export const adoptingShard = (shard: number) => `A#${shard}`;
export const adoptingPartition = (id: string) => adoptingShard(shardOf(id));
/** A job submitted with a later `runAt`, not yet ready: the sweeper moves it when it is due. */
export const delayedShard = (shard: number) => `N#${shard}`;
export const delayedPartition = (id: string) => delayedShard(shardOf(id));
export const delayedSortKey = (runAt: number, id: string) => `${pad(runAt, 13)}#${id}`;
/** The sort-key range of the delayed entries due at `now`. */
export const delayedDueRange = (now: number): [string, string] => [pad(0, 13), `${pad(now, 13)}#~`];
/** Tenants and types hold no `#`, so a concurrency key (last) may hold anything. */
const concurrencyName = (tenant: string, type: string, key: string) => `${tenant}#${type}#${key}`;
export const concurrencyKeyItem = (tenant: string, type: string, key: string) => ({ pk: `CK#${concurrencyName(tenant, type, key)}`, sk: 'CK' });
/** Jobs waiting for a slot of their concurrency key, oldest first. */
export const blockedPartition = (tenant: string, type: string, key: string) => `B#${concurrencyName(tenant, type, key)}`;
export const blockedSortKey = (since: number, id: string) => `${pad(since, 13)}#${id}`;
/** The job id of a blocked entry. */
export const jobOfBlockedSortKey = (sk: string) => sk.slice(14);
/** Concurrency keys that have waiting jobs, spread over a few partitions the sweeper reads. */
export const waitingKeysShard = (shard: number) => `G#${shard}`;
export function waitingKeyIndexKeys(tenant: string, type: string, key: string) {
  const name = concurrencyName(tenant, type, key);
  return { gsi5pk: waitingKeysShard(shardOf(name)), gsi5sk: name };
}
/** A slot held by one dispatch of a job: its id and when the slot was taken. */
export const slotToken = (jobId: string, takenAt: number) => `${jobId}#${pad(takenAt, 13)}`;
export function parseSlotToken(token: string): { jobId: string; takenAt: number } {
  const split = token.lastIndexOf('#');
  return { jobId: token.slice(0, split), takenAt: Number(token.slice(split + 1)) };
}
/**
 * Roots with ready work are spread over LANE_SHARDS partitions per lane, by root: a root's
 * entry moves within its shard at each charge, so one partition no longer takes the moves of
 * every busy root of the installation. The pump reads the heads of all shards and merges them
 * by virtual time, so the order it serves roots in is the lane's as a whole. Shard 0 is the
 * lane's partition as it was before sharding.
 */
export const LANE_SHARDS = 16;
export const laneShards: readonly number[] = Array.from({ length: LANE_SHARDS }, (_, shard) => shard);
export const lanePartition = (lane: Lane, shard: number) => shardPartition(`Q#${lane}`, shard);
/** The lane partition a root's entry goes to. */
export const rootLanePartition = (lane: Lane, rootId: string) => lanePartition(lane, hashOf(rootId) % LANE_SHARDS);
export const laneSortKey = (vtime: number, rootId: string) => `${pad(vtime, 15)}#${rootId}`;
/** The root and virtual time of a lane entry. */
export function parseLaneSortKey(sk: string): { vtime: number; rootId: string } {
  return { vtime: Number(sk.slice(0, 15)), rootId: sk.slice(16) };
}

/** What a table item is, from its key (for readers that see raw items: the local repair, chaos). */
export type ItemKind = 'job' | 'checkpoint' | 'log' | 'rootLane' | 'chaosExecution' | 'other';
export function itemKindOf(key: { pk: string; sk: string }): ItemKind {
  if (key.pk.startsWith('J#'))
    return key.sk === TABLE.jobSortKey ? 'job' : key.sk.startsWith(checkpointPrefix) ? 'checkpoint' : key.sk.startsWith(logPrefix) ? 'log' : 'other';
  if (key.pk.startsWith('F#')) return 'rootLane';
  if (key.pk.startsWith('CHAOS#')) return 'chaosExecution';
  return 'other';
}

/** Which dispatch set a job's gsi5 entry puts it in, if any. */
export type DispatchSet = 'ready' | 'inFlight' | 'parked' | 'adopting' | 'delayed' | 'blocked';
const DISPATCH_SETS: Record<string, DispatchSet> = { R: 'ready', I: 'inFlight', W: 'parked', A: 'adopting', N: 'delayed', B: 'blocked' };
export function dispatchSetOf(record: { gsi5pk?: string | undefined }): DispatchSet | undefined {
  return record.gsi5pk === undefined ? undefined : DISPATCH_SETS[record.gsi5pk[0]!];
}

/** Spreads parked, adopting, delayed and cascade entries over a few partitions; the sweeper reads them all. */
export function shardOf(id: string): number {
  return hashOf(id) % SHARDS;
}

function hashOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash;
}

export function minuteOf(timestamp: number): number {
  return Math.floor(timestamp / 60_000) * 60_000;
}

type Indexed = { tenant: string; system: boolean; parentId?: string | null | undefined; createDate: number; id: string };

/** The list and type index keys of a job, written once with it. */
export function listIndexKeys(job: Indexed & { type: string }) {
  const listing = listingOf(job);
  const shard = hashOf(job.id) % listShardCount(listing);
  const sortKey = createSortKey(job.createDate, job.id);
  return {
    gsi1pk: listPartition(job.tenant, listing, shard),
    gsi1sk: sortKey,
    gsi3pk: typePartition(job.tenant, listing, job.type, shard),
    gsi3sk: sortKey,
  };
}

/** The status-dependent index keys of a job; every status change rewrites them. */
export function statusIndexKeys(job: Indexed, status: JobStatus) {
  const listing = listingOf(job);
  const shard = hashOf(job.id) % listShardCount(listing, status);
  return { gsi2pk: statusPartition(job.tenant, listing, status, shard), gsi2sk: createSortKey(job.createDate, job.id) };
}
