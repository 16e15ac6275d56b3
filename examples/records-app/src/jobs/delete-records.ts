import { defineJob } from '@stint/sdk';
import * as z from 'zod';
import { addCapped, chunks, entityName, MAX_RESULTS, parseData, percent, recordQuery, type JobDeps, type PerRecordResults } from './common.ts';

export const DELETE_RECORDS = 'DELETE_RECORDS';
const RECORDS_PER_STEP = 100;

const dataSchema = z
  .object({
    entityName,
    query: recordQuery.optional(),
    recordIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((d) => !(d.query && d.recordIds), 'give either query or recordIds, not both');
export type DeleteRecordsData = z.input<typeof dataSchema>;

export function deleteRecordsJob(deps: JobDeps) {
  return defineJob<DeleteRecordsData, PerRecordResults>({
    type: DELETE_RECORDS,
    description: 'Deletes the tenant’s records a query or a list of ids selects.',
    // Destructive: only people signed in to the tenant start it, never a queued message.
    access: { submit: 'tenant-admin', intake: false },
    label: (data) => `Delete records from ${data.entityName}`,
    async run(ctx) {
      const data = parseData(dataSchema, ctx.data, DELETE_RECORDS);
      const records = deps.records(ctx.job.tenant);
      // Which records exist is decided once, before anything is deleted: a step that runs
      // again later would otherwise report its own deletions as "not found".
      const selection = await ctx.step('list-records', async () => {
        if (!data.recordIds) {
          const ids = await records.queryIds(data.entityName, data.query ?? {});
          ctx.log.info(`${ids.length} records of ${data.entityName} match ${JSON.stringify(data.query ?? {})}`);
          return { ids, missing: [] as string[] };
        }
        const requested = [...new Set(data.recordIds)];
        const existing = new Set((await records.getByIds(data.entityName, requested)).map((r) => r.id));
        const missing = requested.filter((id) => !existing.has(id));
        for (const id of missing) ctx.log.error(`record ${id} not found in ${data.entityName}`, { recordId: id });
        return { ids: requested.filter((id) => existing.has(id)), missing };
      });

      let done = 0;
      for (const batch of chunks(selection.ids, RECORDS_PER_STEP)) {
        // Deleting is idempotent, so a batch that runs again after a crash is harmless.
        await ctx.step(`delete-${done + 1}-${done + batch.length}`, async () => {
          await records.deleteByIds(data.entityName, batch);
          return batch.length;
        });
        done += batch.length;
        ctx.progress(percent(done, selection.ids.length));
      }

      const results: PerRecordResults['results'] = {};
      // Failures first: when the map is capped, they are the entries worth keeping.
      addCapped(results, Object.fromEntries(selection.missing.map((id) => [id, { status: 'error' as const, errorMessage: 'record not found' }])));
      addCapped(results, Object.fromEntries(selection.ids.map((id) => [id, { status: 'ok' as const }])));
      await ctx.step('report', () => {
        ctx.log.info(`${selection.ids.length} records deleted from ${data.entityName}`);
        if (selection.ids.length + selection.missing.length > MAX_RESULTS) {
          ctx.log.info(`results hold the first ${MAX_RESULTS} records only`);
        }
        return null;
      });
      ctx.setResults({ results });
    },
  });
}
