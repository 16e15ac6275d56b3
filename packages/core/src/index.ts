/**
 * `@stint/core`: the engine and the job model. Adapters (functions, web, local, bench, infra,
 * examples) import core only from this entry and the areas' indexes — `@stint/core/auth`,
 * `query`, `schedules`, `store`, `system-jobs` — and `@stint/core/resource-spec`; biome.json
 * enforces it (DEVELOPERS.md, "Core's entry points").
 */
export * from './errors.ts';
export * from './job.ts';
export * from './lifecycle.ts';
export { Engine, type EngineOptions, type WorkDelivery } from './engine/engine.ts';
export type { TenantScope } from './auth/tenant-scope.ts';
export type { SubmitInput } from './engine/submit-input.ts';
export { EVENT_NAME_PATTERN, EVENT_RETENTION_MS, eventMessageSchema, MAX_EVENT_KEY, type SendEventInput } from './engine/events.ts';
export type { SweepReport } from './engine/sweeper.ts';
export type { ExpiryReport } from './engine/expiry.ts';
export type { EngineEvent } from './engine/deps.ts';
/** How often at most a root is re-sorted in its lane: its order there lags its consumption by no more (the scale bench's meter paces by it). */
export { RESORT_EVERY_MS } from './engine/dispatch-specs.ts';
export { createAwsClients, type AwsClients, type AwsClientOptions } from './aws-clients.ts';
export { loadConfig, type StintConfig, DEFAULT_TUNING } from './config.ts';
export { submissionSchema, MAX_SUBMISSION_DEPTH, type Submission } from './submission.ts';
export { SUMMARY_BUCKETS, summaryBucket, type SummaryBucket } from './job-record.ts';
export { MAX_LOG_MESSAGE, type LogLevel, type LogLine } from './store/log-store.ts';
export { badInput, parseInput, unknownKey } from './input-error.ts';
export { JOB_ID_PATTERN, jobIdSchema, jobStatusSchema, tenantFilterSchema, tenantSchema } from './input-fields.ts';
export { TIME_ZONES } from './time-zones.ts';
export { defineStintApp, type StintApp, type StintAppContext, type StintAppFactory } from './stint-app.ts';
