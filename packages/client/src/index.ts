export { createStintClient, type StintClient, type StintClientOptions } from './client.ts';
export { StintClientError, TimeoutError } from './errors.ts';
export type * from './types.ts';
export { JOB_STATUSES } from './types.ts';
