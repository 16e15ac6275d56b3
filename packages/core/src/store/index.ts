/**
 * `@stint/core/store`: the table below the engine, for the code that works on it directly —
 * provisioning, the local stack's startup repair, the chaos run's final read, the benchmarks'
 * seeding, the monitor's sessions. Everything else reads and writes through the engine.
 */
export { recountWhileStopped } from '../counter-reconcile.ts';
export type { JobRecord } from '../job-record.ts';
export { childJobId, newJobId, newJobRecord } from '../new-job.ts';
export { CounterStore, type Counted } from './counter-store.ts';
export { JobStore } from './job-store.ts';
export { tableDefinition } from './table-definition.ts';
export { TableGateway } from './table-gateway.ts';
export {
  chaosExecutionKey,
  dispatchSetOf,
  itemKindOf,
  jobIdOfPk,
  jobKey,
  listingOf,
  localRunKey,
  logSortKey,
  rootLaneKey,
  sessionKey,
  statsKey,
  COUNTER_SHARDS,
  counterShards,
  statusIndexKeys,
  stepOfCheckpointSortKey,
  summaryKey,
  type Listing,
} from './table-keys.ts';
export { buildUpdate, type UpdateSpec } from './update-expression.ts';
/** The whole key layout, for tools that enumerate it (the benchmarks' hot-key classes). */
export * as tableKeys from './table-keys.ts';
