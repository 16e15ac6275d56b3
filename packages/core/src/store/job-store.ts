import type { JobRecord } from '../job-record.ts';
import { TableGateway } from './table-gateway.ts';
import { jobKey } from './table-keys.ts';
import type { UpdateSpec } from './update-expression.ts';

export { backoff, buildIndexQuery, type IndexPage, type IndexQuery } from './table-gateway.ts';

/**
 * Job items, on the table gateway the engine and the monitor's readers share (index and
 * partition reads). A conditional write that loses answers `null` / `false`.
 */
export class JobStore extends TableGateway {
  async get(id: string, consistent = true): Promise<JobRecord | undefined> {
    return (await this.getItem(jobKey(id), consistent)) as JobRecord | undefined;
  }

  /** Reads jobs by id, 100 per BatchGetItem, retrying unprocessed keys. */
  async getMany(ids: readonly string[], consistent = false): Promise<Map<string, JobRecord>> {
    const items = await this.getItems([...new Set(ids)].map(jobKey), consistent);
    return new Map(items.map((item) => [item.id as string, item as unknown as JobRecord]));
  }

  /** Writes a new job; false when a job with this id already exists (a replayed spawn or submit). */
  async create(record: JobRecord): Promise<boolean> {
    return this.putIfAbsent(record);
  }

  /** Conditional update of a job item; the new item, or null when the condition failed. */
  async tryUpdate(id: string, spec: UpdateSpec): Promise<JobRecord | null> {
    return (await this.tryUpdateItem(jobKey(id), spec)) as JobRecord | null;
  }

  /** Deletes the job item only while `condition` holds; false when it did not. */
  async deleteJobIf(id: string, condition: string, values: Record<string, unknown>): Promise<boolean> {
    return this.deleteIf(jobKey(id), { expression: condition, values });
  }
}
