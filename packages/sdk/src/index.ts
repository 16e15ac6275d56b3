export { defineJob } from './job-definition.ts';
export type { JobDefinition, DefineJobOptions, RetryPolicy, DataProblem, SubmittedJob, ConcurrencyLimit } from './job-definition.ts';
export { DEFAULT_ACCESS, INSTALLATION_TENANT, isInstallationJob } from './job-access.ts';
export type { JobAccess, SubmitRole } from './job-access.ts';
export type { JobContext, CurrentJob, JobLogger, SpawnOptions, StepOptions, ChildOutcome } from './job-context.ts';
export { JobRegistry } from './job-registry.ts';
export { NonRetriableError, StepTimeoutError } from './errors.ts';
export { defineSchedule } from './schedule-definition.ts';
export type { ScheduleDefinition, ScheduleScope, AutomaticSchedule } from './schedule-definition.ts';
