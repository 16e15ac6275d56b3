import { Level } from 'level';

/**
 * dynalite's LevelDB files, opened while dynalite is stopped, to leave them as a SIGKILL
 * between dynalite's separate writes would. dynalite keeps an item under `item-<table>~…`
 * and each of its index entries under `index-global~<table>~<index>~…`, as JSON
 * AttributeValue maps (`db/index.js`, `getItemDb` / `getIndexDb`).
 */
export interface StoredRecord {
  key: string;
  value: Record<string, { S?: string }>;
}

export async function withDynaliteFiles<T>(path: string, work: (files: DynaliteFiles) => Promise<T>): Promise<T> {
  const db = new Level<string, Record<string, { S?: string }>>(path, { valueEncoding: 'json' });
  await db.open();
  try {
    return await work(new DynaliteFiles(db, path));
  } finally {
    await db.close();
  }
}

export class DynaliteFiles {
  constructor(
    readonly db: Level<string, Record<string, { S?: string }>>,
    readonly path: string,
  ) {}

  /** The item stored under a table key, and every index entry pointing at it. */
  async recordsOf(tableName: string, key: { pk: string; sk: string }): Promise<{ item: StoredRecord | undefined; entries: StoredRecord[] }> {
    let item: StoredRecord | undefined;
    const entries: StoredRecord[] = [];
    for await (const [dbKey, value] of this.db.iterator()) {
      if (value?.pk?.S !== key.pk || value?.sk?.S !== key.sk) continue;
      if (dbKey.startsWith(`item-${tableName}~`)) item = { key: dbKey, value };
      else if (dbKey.startsWith(`index-global~${tableName}~`)) entries.push({ key: dbKey, value });
    }
    return { item, entries };
  }

  async put(record: StoredRecord): Promise<void> {
    await this.db.put(record.key, record.value);
  }

  async del(record: Pick<StoredRecord, 'key'>): Promise<void> {
    await this.db.del(record.key);
  }
}
