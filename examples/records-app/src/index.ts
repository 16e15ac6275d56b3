import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobDefinition } from '@stint/sdk';
import { deleteRecordsJob } from './jobs/delete-records.ts';
import { executeActionJob } from './jobs/execute-action.ts';
import { executeListenerJob } from './jobs/execute-listener.ts';
import { exportRecordsJob } from './jobs/export-records.ts';
import { importRecordsJob } from './jobs/import-records.ts';
import { RECORD_TYPES, RecordStore, type RecordFields } from './record-store.ts';

export { RecordStore, RecordNotFoundError, RECORD_TYPES } from './record-store.ts';
export type { AppRecord, RecordFields, RecordQuery, RecordType } from './record-store.ts';
export { CsvParser, parseCsv, csvField, csvLine } from './csv.ts';
export type { CsvRecord, CsvPosition } from './csv.ts';
export { ACTIONS } from './jobs/actions.ts';
export { MAX_RESULTS } from './jobs/common.ts';
export type { JobDeps, PerRecordResults, RecordOutcome } from './jobs/common.ts';
export { EXECUTE_ACTION, executeActionJob, type ExecuteActionData } from './jobs/execute-action.ts';
export { IMPORT_RECORDS, IMPORT_COLUMNS, importRecordsJob, type ImportRecordsData, type ImportRecordsResults } from './jobs/import-records.ts';
export {
  EXPORT_RECORDS,
  EXPORT_COLUMNS,
  exportKey,
  exportRecordsJob,
  type ExportRecordsData,
  type ExportRecordsResults,
} from './jobs/export-records.ts';
export { DELETE_RECORDS, deleteRecordsJob, type DeleteRecordsData } from './jobs/delete-records.ts';
export {
  EXECUTE_LISTENER,
  LISTENER_STEPS,
  executeListenerJob,
  type ExecuteListenerData,
  type ExecuteListenerResults,
} from './jobs/execute-listener.ts';

export interface RecordsAppDeps {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucketName: string;
}

export interface RecordsApp {
  definitions: JobDefinition[];
  records: RecordStore;
  /** Creates the `companies` sample records that do not exist yet. */
  seed(): Promise<void>;
}

export const SEED_ENTITY = 'companies';
export const SEED_SIZE = 1_000;
export const SEED_CITIES = ['Buenos Aires', 'Madrid', 'Lisbon', 'Berlin', 'Toronto'] as const;

/** The sample records: the same on every run, so a seed is reproducible and tests can count on it. */
export function seedRecords(count = SEED_SIZE): Array<RecordFields & { id: string }> {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return {
      id: `company-${n}`,
      name: `Company ${n}`,
      type: RECORD_TYPES[i % RECORD_TYPES.length]!,
      city: SEED_CITIES[i % SEED_CITIES.length]!,
      employees: 1 + ((i * 37) % 500),
    };
  });
}

export function createRecordsApp(deps: RecordsAppDeps): RecordsApp {
  const records = new RecordStore(deps.dynamo, deps.tableName);
  const jobDeps = { records, s3: deps.s3, bucketName: deps.bucketName };
  return {
    definitions: [
      executeActionJob(jobDeps),
      importRecordsJob(jobDeps),
      exportRecordsJob(jobDeps),
      deleteRecordsJob(jobDeps),
      executeListenerJob(),
    ],
    records,
    async seed() {
      await records.seed(SEED_ENTITY, seedRecords());
    },
  };
}
