/** `@stint/core/schedules`: scheduled jobs as the api and the monitor show and change them (the engine's `schedules`). */
export { nextSlot, WEEKDAYS, type Planning, type PlanningType, type Weekday } from './planning.ts';
export { NEW_RECIPIENTS_PER_DAY } from './recipient-quota.ts';
export { RUN_STATUSES, type RunStatus } from './run-status.ts';
export type { ScheduleRef } from './schedule-catalog.ts';
export {
  MAX_RECIPIENTS,
  parseScheduleListQuery,
  parseSchedulePatch,
  parseScheduleRunsQuery,
  scheduleListQuerySchema,
  schedulePatchSchema,
  scheduleRunsQuerySchema,
  type ScheduleListQuery,
  type SchedulePatch,
  type ScheduleRunsQuery,
} from './schedule-input.ts';
export type { ReportSettings } from './schedule-store.ts';
export type { Page, ScheduleRow, ScheduleRun, Schedules } from './schedules.ts';
