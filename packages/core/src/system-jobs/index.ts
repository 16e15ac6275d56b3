/**
 * The monitor's system jobs, as the api starts them: their type names and the filter Clear
 * inactive applies. The engine registers the jobs themselves (system-job-definitions.ts).
 */
export { BULK_OPERATION, type BulkOperationData, type BulkOperationResults } from './bulk-operation.ts';
export { CLEAR_INACTIVE, INACTIVE_FILTER, type ClearInactiveResults } from './clear-inactive.ts';
export { EXPORT_JOBS, type ExportJobsData, type ExportJobsResults } from './export-jobs.ts';
