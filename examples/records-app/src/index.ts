import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobDefinition, ScheduleDefinition } from '@stint/sdk';
import { approvedExportJob } from './jobs/approved-export.ts';
import { deleteRecordsJob } from './jobs/delete-records.ts';
import { executeActionJob } from './jobs/execute-action.ts';
import { executeListenerJob } from './jobs/execute-listener.ts';
import { exportRecordsJob } from './jobs/export-records.ts';
import { importRecordsJob } from './jobs/import-records.ts';
import { RecordStore } from './record-store.ts';
import { purgeExportsJob } from './jobs/purge-exports.ts';
import { RECORDS_APP_SCHEDULES } from './schedules.ts';
import { SEED_ENTITY, seedRecords } from './seed.ts';

export { RecordStore, RecordNotFoundError, RECORD_TYPES } from './record-store.ts';
export type { AppRecord, RecordFields, RecordQuery, RecordType } from './record-store.ts';
export { CsvParser, parseCsv, csvLine } from './csv.ts';
export { exportFolder, exportKey, importFolder, outsideFolder, purgeFolder } from './files.ts';
export type { CsvRecord, CsvPosition } from './csv.ts';
export { ACTIONS } from './jobs/actions.ts';
export { MAX_RESULTS } from './jobs/common.ts';
export type { JobDeps, PerRecordResults, RecordOutcome } from './jobs/common.ts';
export { EXECUTE_ACTION, executeActionJob, type ExecuteActionData } from './jobs/execute-action.ts';
export { IMPORT_RECORDS, IMPORT_COLUMNS, importRecordsJob, type ImportRecordsData, type ImportRecordsResults } from './jobs/import-records.ts';
export {
  EXPORT_RECORDS,
  EXPORT_COLUMNS,
  exportRecordsJob,
  type ExportRecordsData,
  type ExportRecordsResults,
} from './jobs/export-records.ts';
export { APPROVED_EXPORT, APPROVAL_EVENT, APPROVAL_TIMEOUT_MS, approvedExportJob } from './jobs/approved-export.ts';
export { DELETE_RECORDS, deleteRecordsJob, type DeleteRecordsData } from './jobs/delete-records.ts';
export {
  EXECUTE_LISTENER,
  LISTENER_STEPS,
  executeListenerJob,
  type ExecuteListenerData,
  type ExecuteListenerResults,
} from './jobs/execute-listener.ts';

export { SEED_ENTITY, SEED_SIZE, SEED_CITIES, seedRecords } from './seed.ts';
export { PURGE_EXPORTS, purgeExportsJob, type PurgeExportsData, type PurgeExportsResults } from './jobs/purge-exports.ts';
export { RECORDS_APP_SCHEDULES, nightlyExport, exportsCleanup } from './schedules.ts';

export interface RecordsAppDeps {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucketName: string;
}

export interface RecordsApp {
  definitions: JobDefinition[];
  /** The app's scheduled jobs: a nightly export per tenant and an installation-wide cleanup. */
  schedules: ScheduleDefinition[];
  /** One tenant's records. */
  records(tenant: string): RecordStore;
  /** Creates the tenant's `companies` sample records that do not exist yet. */
  seed(tenant: string): Promise<void>;
}

export function createRecordsApp(deps: RecordsAppDeps): RecordsApp {
  const records = (tenant: string) => new RecordStore(deps.dynamo, deps.tableName, tenant);
  const jobDeps = { records, s3: deps.s3, bucketName: deps.bucketName };
  return {
    definitions: [
      executeActionJob(jobDeps),
      importRecordsJob(jobDeps),
      exportRecordsJob(jobDeps),
      approvedExportJob(jobDeps),
      deleteRecordsJob(jobDeps),
      executeListenerJob(),
      purgeExportsJob(jobDeps),
    ],
    schedules: RECORDS_APP_SCHEDULES as ScheduleDefinition[],
    records,
    async seed(tenant) {
      await records(tenant).seed(SEED_ENTITY, seedRecords());
    },
  };
}
