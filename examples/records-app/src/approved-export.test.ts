import { describe, expect, it } from 'vitest';
import { APPROVAL_EVENT, approvedExportJob } from './jobs/approved-export.ts';
import type { JobDeps } from './jobs/common.ts';
import { runJob } from './testing/fake-job-context.ts';

/** The export itself is never reached in these cases: deps that fail if used. */
const UNUSED = new Proxy(
  {},
  {
    get: () => {
      throw new Error('the export ran');
    },
  },
) as JobDeps;

describe('APPROVED_EXPORT', () => {
  it('ends with an error, exporting nothing, when no approval comes within its 24 hours', async () => {
    await expect(runJob(approvedExportJob(UNUSED), { data: { entityName: 'companies' }, job: { id: 'j1' } })).rejects.toThrow('not approved within 24 hours');
  });

  it('waits for the approval keyed by its own id only', async () => {
    const other = { [`${APPROVAL_EVENT}:another-job`]: { by: 'ann' } };
    await expect(runJob(approvedExportJob(UNUSED), { data: { entityName: 'companies' }, job: { id: 'j1' }, events: other })).rejects.toThrow('not approved');
    const mine = { [`${APPROVAL_EVENT}:j1`]: { by: 'ann' } };
    await expect(runJob(approvedExportJob(UNUSED), { data: { entityName: 'companies' }, job: { id: 'j1' }, events: mine })).rejects.toThrow('the export ran');
  });
});
