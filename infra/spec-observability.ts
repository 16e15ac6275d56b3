import type { FunctionId } from './spec-types.ts';

/**
 * Metrics the handlers emit (as CloudWatch EMF, through Powertools) and the alarms both
 * deployments raise on them. The handlers' Powertools code and these names must agree.
 */

export const METRICS = {
  namespace: 'Stint',
  names: {
    jobsCreated: 'JobsCreated',
    jobsFinished: 'JobsFinished',
    jobsFailed: 'JobsFailed',
    /** Milliseconds from a job's creation to its start. */
    waitingTime: 'WaitingTime',
    /** Milliseconds one slice ran. */
    sliceDuration: 'SliceDuration',
    /** Intake messages that failed validation. */
    intakeRejected: 'IntakeRejected',
    /** Scheduled runs a sweep started. */
    scheduledRunsStarted: 'ScheduledRunsStarted',
    /** Due schedule rows a sweep could not start (each sweep tries them again). */
    scheduledRunsFailed: 'ScheduledRunsFailed',
  },
  /**
   * Dimension sets per metric. Each distinct combination of values is a billed custom metric,
   * so only bounded dimensions are used: the service (one per function) and the job type (one
   * per registered job). Tenant and job ids never become dimensions. The WaitingTime alarm
   * reads the service-only set, so WaitingTime must be emitted with it as well as per type.
   */
  dimensionSets: {
    WaitingTime: [['service'], ['service', 'jobType']],
    JobsCreated: [['service']],
    JobsFinished: [['service']],
    JobsFailed: [['service']],
    SliceDuration: [['service']],
    IntakeRejected: [['service']],
    ScheduledRunsStarted: [['service']],
    ScheduledRunsFailed: [['service']],
  },
} as const;

/**
 * Powertools' service name of a function, which is also its metrics' `service` dimension.
 * It names the function, not the stage: stages sharing an account share these series.
 */
export function serviceName(fn: FunctionId): string {
  return `stint-${fn}`;
}

export const ALARMS = {
  /** Jobs wait too long to start: the queues are backing up or the concurrency caps are too low. */
  waitingTimeP90: {
    /** Jobs start in the worker, so that is the service whose WaitingTime is alarmed on. */
    service: 'worker',
    statistic: 'p90',
    defaultThresholdMs: 60_000,
    periodSeconds: 60,
    evaluationPeriods: 5,
  },
  /** Any message in a DLQ is a message no handler could process. */
  dlqDepth: {
    metric: 'ApproximateNumberOfMessagesVisible',
    threshold: 0,
    periodSeconds: 60,
    evaluationPeriods: 1,
  },
  /**
   * The expiry function has failed on a batch of the table's stream for this long (or is falling
   * behind TTL's bursts): its records wait, and past the consumer's maxRecordAgeSeconds their
   * jobs' leftovers stay. A healthy consumer's age is its batching window, 30 s.
   */
  expiryLag: {
    metric: 'IteratorAge',
    statistic: 'Maximum',
    thresholdMs: 15 * 60_000,
    periodSeconds: 300,
    evaluationPeriods: 3,
  },
  /** Work sits unconsumed: the worker is failing, throttled or capped. Low waits longer by design. */
  oldestMessageAge: {
    metric: 'ApproximateAgeOfOldestMessage',
    thresholdSeconds: { work: 300, low: 1_800 },
    periodSeconds: 60,
    evaluationPeriods: 5,
  },
  /**
   * Job failures are reported per message, not as invocation errors, so any worker Error is a
   * crash or a timeout.
   */
  workerErrors: {
    threshold: 0,
    periodSeconds: 300,
    evaluationPeriods: 1,
  },
  /**
   * Due scheduled runs the sweeper could not start. Each sweep (once a minute) tries them again,
   * so one failed sweep is noise; three in a row means schedules are not firing.
   */
  scheduledRunsFailed: {
    service: 'sweeper',
    metric: METRICS.names.scheduledRunsFailed,
    statistic: 'Sum',
    threshold: 0,
    periodSeconds: 60,
    evaluationPeriods: 3,
  },
  /**
   * DynamoDB refused requests for capacity, minute after minute: a partition key of the table
   * or of an index past its share (docs/deploy.md, Capacity), or the table past its on-demand
   * peak. It fires before the queues back up. ThrottledRequests has one series per table and
   * operation, counting a request once however many of its table and index writes were
   * refused; the alarm adds up the operations Stint sends.
   */
  tableThrottled: {
    namespace: 'AWS/DynamoDB',
    metric: 'ThrottledRequests',
    operations: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
    statistic: 'Sum',
    threshold: 0,
    periodSeconds: 60,
    evaluationPeriods: 3,
  },
} as const;

/** The alarms' descriptions both front doors share, for the expiry function's stream. */
export const EXPIRY_FAILURES_DESCRIPTION =
  "Table-stream batches the expiry function gave up on: those jobs' logs and checkpoints stay, and their cards still count them (docs/deploy.md, Expiry failures)";
export const EXPIRY_LAG_DESCRIPTION = `The expiry function's stream records older than ${ALARMS.expiryLag.thresholdMs / 60_000} min for ${ALARMS.expiryLag.evaluationPeriods} periods: it is failing on a batch or falling behind`;

/** The metric math that adds up `tableThrottled`'s series, one id per operation. */
export function throttledRequestsExpression(): { expression: string; ids: Record<string, string> } {
  const ids = Object.fromEntries(ALARMS.tableThrottled.operations.map((operation, i) => [`m${i}`, operation]));
  return { expression: `SUM([${Object.keys(ids).join(',')}])`, ids };
}

/** Queues whose oldest-message age is alarmed on. */
export const AGE_ALARMED_QUEUES = ['work', 'low'] as const;
