/**
 * The client's method for each operation of the api's OpenAPI document, by operationId. A
 * test reads the document the api serves and fails when the two drift: an operation without a
 * method here, a method that calls another path, or a parameter the operation does not take.
 */
export const OPERATION_METHODS = {
  health: 'health',
  getOpenApiDocument: 'openApiDocument',
  getDocsPage: 'docsPage',
  submitJob: 'submit',
  sendEvent: 'sendEvent',
  findJobs: 'findPage',
  getJob: 'findById',
  deleteJob: 'delete',
  stopJob: 'stop',
  resumeJob: 'resume',
  forceStopJob: 'forceStop',
  cancelJob: 'cancel',
  restartJob: 'restart',
  retryJob: 'retry',
  setLowPriority: 'setLowPriority',
  removeLowPriority: 'removeLowPriority',
  readLogs: 'logs',
  addLog: 'logInfo',
  waitForJob: 'waitForJob',
  downloadResult: 'downloadUrl',
  exportJobs: 'exportJobs',
  bulkOperation: 'bulk',
  clearInactive: 'clearInactive',
  getSummary: 'summary',
  listJobTypes: 'jobTypes',
  getStats: 'stats',
  listSchedules: 'schedules.listPage',
  getSchedule: 'schedules.get',
  updateSchedule: 'schedules.update',
  runSchedule: 'schedules.runNow',
  runSchedules: 'schedules.runMany',
  listScheduleRuns: 'schedules.runsPage',
  createKey: 'keys.create',
  listKeys: 'keys.list',
  revokeKey: 'keys.revoke',
} as const;

export type OperationId = keyof typeof OPERATION_METHODS;
