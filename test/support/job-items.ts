import type { JobRecord } from '@stint/core/job-record';
import { newJobRecord, type NewJob } from '@stint/core/new-job';

/**
 * A new job's item as submit or a spawn writes it (PENDING, every index key), for tests that
 * place jobs in the store in the state a case needs: what a case does not name is a root NODE
 * job of tenant acme, labelled by its type, with no data.
 */
export function jobItem(fields: Pick<NewJob, 'id' | 'createDate'> & Partial<NewJob>, options: Parameters<typeof newJobRecord>[1] = {}): JobRecord {
  return newJobRecord(
    {
      type: 'NODE',
      label: fields.type ?? 'NODE',
      tenant: 'acme',
      system: false,
      data: {},
      runBy: null,
      lowPriority: false,
      parentId: null,
      rootId: fields.id,
      ...fields,
    },
    options,
  );
}
