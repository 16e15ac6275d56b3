/**
 * The one description of Stint's AWS resources. The local stack creates its table, queues
 * and bucket from it; the CDK construct and the SST components in `infra/` read it too, so
 * the three cannot drift apart.
 */

export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL removes ended jobs' items after the retention period. */
  ttlAttribute: 'expiresAt',
  /**
   * The sort key of a job's own item (table-keys.ts): the deployment's stream filter passes
   * TTL's removals of these alone to the expiry function.
   */
  jobSortKey: 'J',
  /** Who the table's stream names as the remover of an item TTL removed; an app's own delete names no one. */
  ttlRemover: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
  /**
   * Global secondary indexes, KEYS_ONLY but for one flag: a job item changes often (progress,
   * heartbeats), and an index is only written when its keys or projected attributes change, so
   * those updates cost one write unit instead of one per index. Pages are read as keys, then
   * BatchGetItem. gsi2 also carries `hasErrors`, which changes at most once per job, so the
   * counters can be re-derived by counting (completed vs failed) without reading the jobs.
   */
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projected: [], purpose: "a tenant's jobs, newest first" },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projected: ['hasErrors'], purpose: "a tenant's jobs in one status" },
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projected: [], purpose: "a tenant's jobs of one type" },
    { name: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', projected: [], purpose: 'children of a job' },
    {
      name: 'gsi5',
      partitionKey: 'gsi5pk',
      sortKey: 'gsi5sk',
      projected: [],
      purpose: 'dispatch: ready jobs per root, in-flight jobs, parked parents, roots with ready work by virtual time',
    },
  ],
} as const;

export type IndexName = (typeof TABLE.indexes)[number]['name'];

export interface QueueSpec {
  /** Logical id, also the local queue name. */
  id: 'work' | 'low' | 'intake';
  purpose: string;
  /** Receives before a message goes to the queue's DLQ. */
  maxReceiveCount: number;
  /** Days the DLQ keeps a message (the SQS maximum is 14). */
  dlqRetentionDays: number;
}

export const QUEUES: readonly QueueSpec[] = [
  { id: 'work', purpose: 'slices of normal-priority jobs', maxReceiveCount: 5, dlqRetentionDays: 14 },
  { id: 'low', purpose: 'slices of low-priority jobs, consumed with spare capacity', maxReceiveCount: 5, dlqRetentionDays: 14 },
  { id: 'intake', purpose: 'job submissions from other AWS services', maxReceiveCount: 3, dlqRetentionDays: 14 },
];

export const WORKER = {
  /** Lambda timeout of the worker. */
  timeoutSeconds: 120,
  /**
   * A slice yields after this long so an invocation stays well under the timeout and the
   * fairness scheduler gets its unit of time back.
   */
  sliceBudgetMs: 30_000,
  /** Lease length; the heartbeat renews it at a third of that. */
  leaseMs: 60_000,
  /** SQS recommends a visibility timeout of at least 6 × the function timeout for event source mappings. */
  get visibilityTimeoutSeconds() {
    return this.timeoutSeconds * 6;
  },
  batchSize: 10,
  /** Per-root bound on dispatched and running slices (the fairness bound). */
  maxInFlightPerRoot: 4,
} as const;

export const BUCKET = {
  /** Export and result files expire after this many days. */
  exportExpiryDays: 7,
  /**
   * Where export and result files live, one folder per tenant (`exports/<tenant>/…`): the
   * prefix the worker's list and delete grants are limited to.
   */
  exportPrefix: 'exports/',
} as const;

export const REPORTS = {
  /** Logical id of the SNS topic scheduled-run reports are published to (recipients subscribe by email). */
  topicId: 'reports',
  /** Message attribute (String.Array) each email subscription's filter policy matches its address in. */
  recipientsAttribute: 'recipients',
} as const;

export const RETENTION = {
  /** Ended jobs and their logs are removed by DynamoDB TTL after this many days. */
  endedJobDays: 30,
} as const;

/** Environment variables the handlers read. Both deployments must set every one. */
export const ENV = {
  tableName: 'STINT_TABLE_NAME',
  workQueueUrl: 'STINT_WORK_QUEUE_URL',
  lowQueueUrl: 'STINT_LOW_QUEUE_URL',
  bucketName: 'STINT_BUCKET_NAME',
  sliceBudgetMs: 'STINT_SLICE_BUDGET_MS',
  leaseMs: 'STINT_LEASE_MS',
  maxInFlightPerRoot: 'STINT_MAX_IN_FLIGHT_PER_ROOT',
  retentionDays: 'STINT_RETENTION_DAYS',
  /** SNS topic of scheduled-run reports; without it reports are skipped (with a warning). */
  reportTopicArn: 'STINT_REPORT_TOPIC_ARN',
  /** Tenant of intake messages that name none. */
  defaultTenant: 'STINT_DEFAULT_TENANT',
  /** `true` registers the example records app (stint.app.ts); off unless the deployment asks. */
  recordsApp: 'STINT_RECORDS_APP',
  /** JSON: the tenants each intake producer may submit into (functions/src/intake-binding.ts). */
  intakeTenants: 'STINT_INTAKE_TENANTS',
} as const;
