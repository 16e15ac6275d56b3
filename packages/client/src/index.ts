export { createStintClient, type StintClient, type StintClientOptions } from './client.ts';
export type { ScheduleClient } from './schedules.ts';
export type { KeyClient } from './keys.ts';
export { OPERATION_METHODS, type OperationId } from './operations.ts';
export { StintClientError, TimeoutError } from './errors.ts';
export type * from './types.ts';
export { JOB_STATUSES, RUN_STATUSES, WEEKDAYS } from './types.ts';
