import { TABLE } from '@stint/core/resource-spec';
import type { UpdateSpec } from '@stint/core/store';

/**
 * What the startup repair compares: the index entries the table's items call for, and the
 * entries dynalite actually holds. Pure, so the comparison and the writes that mend it are
 * unit-tested as data.
 *
 * Why entries go missing or stale: dynalite (`actions/putItem.js`, `updateItem.js`,
 * `deleteItem.js` → `db/index.js` `updateIndexes`) writes one request as separate LevelDB
 * operations: first it deletes the index entries whose keys change, then it puts the entries
 * of every index the new item has keys for, and only then the item. A process killed after
 * the deletes loses the item's old entries while the item still holds the old keys (missing);
 * killed after the puts, it also leaves entries for keys the item never got (stale). Both
 * are permanent: nothing rewrites an index entry until its item is written again, and a
 * PENDING job found only through its ready-set entry is never written again.
 */

export type Item = Record<string, unknown>;

export interface IndexEntry {
  index: string;
  partition: string;
  sort: string;
  /** The key of the item the entry points at. */
  pk: string;
  sk: string;
}

/** Left on an item between the two writes that drop a stale entry; the next start finishes it. */
export const RESTORE_ATTRIBUTE = 'repairRestore';
/** Marks an item put only to drop stale entries of a key with no item; the next start deletes it. */
export const PLACEHOLDER_ATTRIBUTE = 'repairPlaceholder';

export const INDEX_KEY_ATTRIBUTES: readonly string[] = TABLE.indexes.flatMap((index) => [index.partitionKey, index.sortKey]);

const entryId = (entry: IndexEntry) => JSON.stringify([entry.index, entry.partition, entry.sort, entry.pk, entry.sk]);
export const itemId = (key: { pk?: unknown; sk?: unknown }) => JSON.stringify([key.pk, key.sk]);

/** The entries an item calls for: one per index whose two key attributes it holds (as DynamoDB does). */
export function expectedEntries(item: Item): IndexEntry[] {
  return TABLE.indexes.flatMap((index) => {
    const partition = item[index.partitionKey];
    const sort = item[index.sortKey];
    if (typeof partition !== 'string' || typeof sort !== 'string') return [];
    return [{ index: index.name, partition, sort, pk: item.pk as string, sk: item.sk as string }];
  });
}

/** An entry as a Scan of a KEYS_ONLY index returns it: the index keys and the item's key. */
export function entryOf(indexName: string, keys: Item): IndexEntry {
  const index = TABLE.indexes.find((i) => i.name === indexName)!;
  return {
    index: indexName,
    partition: keys[index.partitionKey] as string,
    sort: keys[index.sortKey] as string,
    pk: keys.pk as string,
    sk: keys.sk as string,
  };
}

export interface StaleGroup {
  pk: string;
  sk: string;
  entries: IndexEntry[];
}

export interface IndexDiff {
  /** Items missing at least one of their entries. Rewriting an item re-puts all of them. */
  incomplete: Item[];
  missingEntries: number;
  /** Entries no item calls for, grouped by the item key they point at. */
  stale: StaleGroup[];
}

export function diffIndexes(items: readonly Item[], found: readonly IndexEntry[]): IndexDiff {
  const foundIds = new Set(found.map(entryId));
  const expectedIds = new Set<string>();
  const incomplete: Item[] = [];
  let missingEntries = 0;
  for (const item of items) {
    const expected = expectedEntries(item);
    const missing = expected.filter((entry) => !foundIds.has(entryId(entry))).length;
    for (const entry of expected) expectedIds.add(entryId(entry));
    if (missing > 0) incomplete.push(item);
    missingEntries += missing;
  }
  const stale = new Map<string, StaleGroup>();
  for (const entry of found) {
    if (expectedIds.has(entryId(entry))) continue;
    const id = itemId(entry);
    const group = stale.get(id) ?? { pk: entry.pk, sk: entry.sk, entries: [] };
    group.entries.push(entry);
    stale.set(id, group);
  }
  return { incomplete, missingEntries, stale: [...stale.values()] };
}

/** Splits a key's stale entries into rounds with at most one entry per index (an item holds one key per index). */
export function staleRounds(group: StaleGroup): IndexEntry[][] {
  const rounds: IndexEntry[][] = [];
  for (const entry of group.entries) {
    const round = rounds.find((r) => !r.some((e) => e.index === entry.index));
    if (round) round.push(entry);
    else rounds.push([entry]);
  }
  return rounds;
}

const indexOf = (name: string) => TABLE.indexes.find((index) => index.name === name)!;

/** The key attributes a round's entries set, each entry's own. */
function staleKeyValues(round: readonly IndexEntry[]): Record<string, string> {
  return Object.fromEntries(
    round.flatMap((entry) => [
      [indexOf(entry.index).partitionKey, entry.partition],
      [indexOf(entry.index).sortKey, entry.sort],
    ]),
  );
}

/**
 * Rewrites an item's entries as they are: dynalite puts an entry for every index the written
 * item has keys for, changed or not, so any update of the item re-creates missing ones.
 * Conditioned on the key it re-asserts, so it can never move an item.
 */
export function rewriteSpec(item: Item): UpdateSpec | null {
  const attribute = INDEX_KEY_ATTRIBUTES.find((name) => typeof item[name] === 'string');
  if (attribute === undefined) return null;
  return { set: { [attribute]: item[attribute] }, condition: `#${attribute} = :current`, values: { ':current': item[attribute] } };
}

/**
 * First of the two writes that drop stale entries from an existing item: it takes the stale
 * keys, so dynalite deletes them when the second write (`restoreSpec`) moves the item back.
 * The keys to go back to are kept on the item, so a kill between the two writes is finished
 * by the next start's repair before anything else reads the table.
 */
export function takeStaleKeysSpec(item: Item, round: readonly IndexEntry[]): UpdateSpec {
  const stale = staleKeyValues(round);
  const restore = Object.fromEntries(Object.keys(stale).map((name) => [name, typeof item[name] === 'string' ? item[name] : null]));
  const conditions = Object.keys(stale).map((name, i) => (typeof item[name] === 'string' ? `#${name} = :was${i}` : `attribute_not_exists(#${name})`));
  const values = Object.fromEntries(Object.keys(stale).flatMap((name, i) => (typeof item[name] === 'string' ? [[`:was${i}`, item[name]]] : [])));
  return {
    set: { ...stale, [RESTORE_ATTRIBUTE]: JSON.stringify(restore) },
    condition: [`attribute_not_exists(#${RESTORE_ATTRIBUTE})`, ...conditions].join(' AND '),
    values,
  };
}

/** Second write: the item's own keys back (dropping the stale entries it held a moment). */
export function restoreSpec(restore: string): UpdateSpec {
  const keys = JSON.parse(restore) as Record<string, string | null>;
  const set = Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== null));
  const remove = Object.entries(keys)
    .filter(([, value]) => value === null)
    .map(([name]) => name);
  return {
    ...(Object.keys(set).length > 0 ? { set } : {}),
    remove: [...remove, RESTORE_ATTRIBUTE],
    condition: `#${RESTORE_ATTRIBUTE} = :restore`,
    values: { ':restore': restore },
  };
}

/** A placeholder for a key with no item, holding the stale keys so deleting it drops their entries. */
export function placeholderItem(group: Pick<StaleGroup, 'pk' | 'sk'>, round: readonly IndexEntry[]): Item {
  return { pk: group.pk, sk: group.sk, ...staleKeyValues(round), [PLACEHOLDER_ATTRIBUTE]: true };
}
