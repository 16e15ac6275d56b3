import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '@stint/core/resource-spec';
import { JobStore, type UpdateSpec } from '@stint/core/store';
import {
  diffIndexes,
  entryOf,
  itemId,
  PLACEHOLDER_ATTRIBUTE,
  placeholderItem,
  RESTORE_ATTRIBUTE,
  restoreSpec,
  rewriteSpec,
  staleRounds,
  takeStaleKeysSpec,
  type IndexEntry,
  type Item,
} from './index-entries.ts';
import { scanAll } from './table-scan.ts';

export interface IndexRepairReport {
  entriesScanned: number;
  /** Entries an item called for that dynalite did not hold (re-created). */
  missingEntries: number;
  /** Entries for keys no item held (dropped). */
  staleEntries: number;
  /** Repairs a kill interrupted at the previous start, finished now. */
  interruptedRepairs: number;
}

/**
 * Makes dynalite's indexes match the table's items again (see `index-entries.ts` for how a
 * kill leaves them). `items` is the table as scanned, with at least the key and index-key
 * attributes; it is updated in place where the repair rewrites an item.
 *
 * Runs before anything else uses the table (no pollers, sweeper or api yet), so its writes
 * race nobody; each is still conditioned on what the scan saw.
 */
export async function repairIndexes(client: DynamoDBDocumentClient, tableName: string, items: Item[]): Promise<IndexRepairReport> {
  const table = new TableWrites(client, tableName);
  const interruptedRepairs = await finishInterrupted(table, items);

  const found: IndexEntry[] = [];
  for (const index of TABLE.indexes) {
    for (const keys of await scanAll(client, tableName, { index: index.name })) found.push(entryOf(index.name, keys));
  }
  const live = items.filter((item) => item[PLACEHOLDER_ATTRIBUTE] === undefined);
  const diff = diffIndexes(live, found);
  for (const item of diff.incomplete) {
    const spec = rewriteSpec(item);
    if (spec) await table.update(item, spec);
  }
  const byKey = new Map(live.map((item) => [itemId(item), item]));
  for (const group of diff.stale) {
    const item = byKey.get(itemId(group));
    for (const round of staleRounds(group)) {
      if (item) {
        const taken = await table.update(item, takeStaleKeysSpec(item, round));
        if (taken) await table.update(taken, restoreSpec(taken[RESTORE_ATTRIBUTE] as string));
      } else if (await table.putIfAbsent(placeholderItem(group, round))) {
        await table.deletePlaceholder(group);
      }
    }
  }
  return {
    entriesScanned: found.length,
    missingEntries: diff.missingEntries,
    staleEntries: diff.stale.reduce((sum, group) => sum + group.entries.length, 0),
    interruptedRepairs,
  };
}

/** A kill during the previous start's repair left a placeholder or an item on stale keys: finish that first. */
async function finishInterrupted(table: TableWrites, items: Item[]): Promise<number> {
  let finished = 0;
  for (const item of items) {
    if (item[PLACEHOLDER_ATTRIBUTE] !== undefined) {
      await table.deletePlaceholder({ pk: item.pk as string, sk: item.sk as string });
      finished++;
    } else if (typeof item[RESTORE_ATTRIBUTE] === 'string') {
      const restored = await table.update(item, restoreSpec(item[RESTORE_ATTRIBUTE]));
      if (restored) {
        Object.assign(item, restored);
        delete item[RESTORE_ATTRIBUTE];
      }
      finished++;
    }
  }
  return finished;
}

/** The repair's writes: conditional, and a lost condition means the item is not as scanned. */
class TableWrites {
  readonly #store: JobStore;

  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.#store = new JobStore(client, tableName);
  }

  /** The item as written; null when it no longer is as the scan saw it. */
  async update(item: Item, spec: UpdateSpec): Promise<Item | null> {
    return this.#store.tryUpdateItem({ pk: item.pk as string, sk: item.sk as string }, spec);
  }

  async putIfAbsent(item: Item): Promise<boolean> {
    return this.#store.putIfAbsent(item);
  }

  /** Only a placeholder goes: an item written since the scan is left alone. */
  async deletePlaceholder(key: { pk: string; sk: string }): Promise<void> {
    await this.#store.deleteIf({ pk: key.pk, sk: key.sk }, { expression: `attribute_exists(#${PLACEHOLDER_ATTRIBUTE})` });
  }
}
