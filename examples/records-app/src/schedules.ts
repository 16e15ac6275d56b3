import { defineSchedule } from '@stint/sdk';
import { SEED_ENTITY } from './seed.ts';
import { EXPORT_RECORDS, type ExportRecordsData } from './jobs/export-records.ts';
import { PURGE_EXPORTS, type PurgeExportsData } from './jobs/purge-exports.ts';

/** Every tenant's records exported to CSV at 02:00 Paris time. */
export const nightlyExport = defineSchedule<ExportRecordsData>({
  id: 'nightly-export',
  description: `Exports the ${SEED_ENTITY} records of the tenant to a CSV file every night.`,
  jobType: EXPORT_RECORDS,
  data: { entityName: SEED_ENTITY },
  scope: 'tenant',
  automatic: { cron: '0 2 * * *', timeZone: 'Europe/Paris' },
});

/** Once for the whole installation: export files older than a week are deleted on Sunday mornings. */
export const exportsCleanup = defineSchedule<PurgeExportsData>({
  id: 'exports-cleanup',
  description: 'Deletes export files older than 7 days, for every tenant at once.',
  jobType: PURGE_EXPORTS,
  data: { olderThanDays: 7 },
  scope: 'installation',
  // A cleanup still deleting when the next one is due lets that slot pass.
  overlap: 'skip',
  automatic: { cron: '30 4 * * 0', timeZone: 'UTC' },
});

export const RECORDS_APP_SCHEDULES = [nightlyExport, exportsCleanup];
