import type { JobStatus, Lane } from '@stint/core';
import { tableKeys } from '@stint/core/store';

const {
  adoptingShard,
  API_KEY_LISTING,
  apiKeyKey,
  blockedPartition,
  cascadeShard,
  concurrencyKeyItem,
  delayedShard,
  DUE_PARTITION,
  idempotencyKey,
  inFlightShard,
  jobKey,
  lanePartition,
  LISTINGS,
  listPartition,
  localRunKey,
  parentPartition,
  parkedShard,
  readyPartition,
  reconcileCursorKey,
  rootLaneKey,
  runRecordPartition,
  SCHEDULE_PARTITION,
  scheduleCatalogKey,
  seenKey,
  sessionKey,
  statusPartition,
  summaryKey,
  TENANT_DIRECTORY,
  typePartition,
  waitingKeysShard,
} = tableKeys;

/**
 * Key classes of the hot-key meter: every partition key the table and its indexes use, named
 * by the template its builder in `table-keys.ts` makes when handed placeholders (`Q#<lane>`),
 * so the names follow the layout wherever it moves.
 *
 * A class's scope says whose work shares one key of it, and so which ceiling it bounds:
 * `installation` (one key for every tenant: the lane, the shards), `tenant` (a tenant's
 * counters and list partitions), `root` (a tree's ready set, its children's index, and a
 * parent's own item, which counts each child's end) or `job` (one job's or one caller's own).
 */
export type Scope = 'installation' | 'tenant' | 'root' | 'job';

export interface KeyClass {
  /** `table` or the index name. */
  index: string;
  name: string;
  scope: Scope;
  /**
   * Sharded by root: one tree's jobs all share one key of the class, while many trees spread
   * over the shards. A one-root scenario measures such a key for that root only.
   */
  pinnedToRoot?: true;
  pattern: RegExp;
}

/** A placeholder passed to a key builder in place of a real value; the builder interpolates it. */
const hole = <T = string>(name: string) => `<${name}>` as unknown as T;

const keyClass = (index: string, name: string, scope: Scope, pinnedToRoot = false): KeyClass => ({
  index,
  name,
  scope,
  ...(pinnedToRoot ? { pinnedToRoot: true as const } : {}),
  pattern: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<\w+>/g, '[^#]+')}$`),
});

const tenant = hole('tenant');
const lane = hole<Lane>('lane');

export const KEY_CLASSES: readonly KeyClass[] = [
  keyClass('table', jobKey(hole('job')).pk, 'root'),
  keyClass('table', rootLaneKey(hole('root'), lane).pk, 'root'),
  // A tree's charges over its other lane items.
  keyClass('table', rootLaneKey(hole('root'), lane, hole<number>('shard')).pk, 'root'),
  // A tenant's counters: shard 0 keeps the tenant's own partition, the others a suffix.
  keyClass('table', summaryKey(tenant, LISTINGS[0]!, 0).pk, 'tenant'),
  keyClass('table', summaryKey(tenant, LISTINGS[0]!, hole<number>('shard')).pk, 'tenant'),
  keyClass('table', idempotencyKey(tenant, hole('key')).pk, 'job'),
  keyClass('table', TENANT_DIRECTORY, 'installation'),
  keyClass('table', reconcileCursorKey.pk, 'installation'),
  keyClass('table', SCHEDULE_PARTITION, 'installation'),
  keyClass('table', scheduleCatalogKey.pk, 'installation'),
  keyClass('table', localRunKey.pk, 'installation'),
  keyClass('table', cascadeShard(hole<number>('shard')), 'installation'),
  keyClass('table', seenKey(hole('viewer'), '').pk, 'job'),
  keyClass('table', sessionKey(hole('session')).pk, 'job'),
  // Read once per api request it authenticates: one producer's key, not the installation's.
  keyClass('table', apiKeyKey(hole('hash')).pk, 'job'),
  keyClass('table', API_KEY_LISTING, 'installation'),
  keyClass('table', runRecordPartition(tenant, hole('schedule')), 'job'),
  // One concurrency key's slots: every take and release of that key, across its tenant's roots.
  keyClass('table', concurrencyKeyItem(tenant, hole('type'), hole('key')).pk, 'tenant'),
  ...LISTINGS.flatMap((listing) => [
    keyClass('gsi1', listPartition(tenant, listing), 'tenant'),
    keyClass('gsi1', listPartition(tenant, listing, hole<number>('shard')), 'tenant'),
    keyClass('gsi2', statusPartition(tenant, listing, hole<JobStatus>('status')), 'tenant'),
    keyClass('gsi2', statusPartition(tenant, listing, hole<JobStatus>('status'), hole<number>('shard')), 'tenant'),
    keyClass('gsi3', typePartition(tenant, listing, hole('type')), 'tenant'),
    keyClass('gsi3', typePartition(tenant, listing, hole('type'), hole<number>('shard')), 'tenant'),
  ]),
  keyClass('gsi4', parentPartition(hole('parent')), 'root'),
  // A parent's children over its other gsi4 shards, by child.
  keyClass('gsi4', parentPartition(hole('parent'), hole<number>('shard')), 'root'),
  keyClass('gsi5', readyPartition(lane, hole('root')), 'root'),
  keyClass('gsi5', readyPartition(lane, hole('root'), hole<number>('shard')), 'root'),
  // A root's lane entry stays in its lane shard: one tree's moves share one key, many trees spread.
  keyClass('gsi5', lanePartition(lane, 0), 'installation', true),
  keyClass('gsi5', lanePartition(lane, hole<number>('shard')), 'installation', true),
  // inFlightPartition(rootId, shard): a tree's in-flight entries share its root's ROOT_SHARDS shards.
  keyClass('gsi5', inFlightShard(hole<number>('shard')), 'installation', true),
  keyClass('gsi5', parkedShard(hole<number>('shard')), 'installation'),
  keyClass('gsi5', adoptingShard(hole<number>('shard')), 'installation'),
  keyClass('gsi5', delayedShard(hole<number>('shard')), 'installation'),
  keyClass('gsi5', DUE_PARTITION, 'installation'),
  keyClass('gsi5', blockedPartition(tenant, hole('type'), hole('key')), 'tenant'),
  keyClass('gsi5', waitingKeysShard(hole<number>('shard')), 'installation'),
];

/** The class of a partition key of `index`; a key no builder makes is `job`-scoped `other`. */
export function classify(index: string, key: string): Pick<KeyClass, 'name' | 'scope' | 'pinnedToRoot'> {
  const found = KEY_CLASSES.find((c) => c.index === index && c.pattern.test(key));
  if (!found) return { name: 'other', scope: 'job' };
  return { name: found.name, scope: found.scope, ...(found.pinnedToRoot ? { pinnedToRoot: true as const } : {}) };
}
