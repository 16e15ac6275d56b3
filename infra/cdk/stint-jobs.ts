import { Lazy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../repo-root.ts';
import { defaultIntakeBinding } from '@stint/functions/intake-binding';
import { ALARMS, DEFAULT_SETTINGS, SUBMIT_PERMISSION, type LogLevel, type OidcSettings } from '../spec.ts';
import { createAlarms, createAlarmTopic } from './alarms.ts';
import { createDashboard } from './dashboard.ts';
import { createFunctions, type StintFunctions } from './functions.ts';
import { createHttpApi, type JwtAuthorizerOptions } from './http-api.ts';
import { resourceArns } from './permissions.ts';
import { createQueues, createStreamFailureQueue, type StintQueues } from './queues.ts';
import { createReportTopic } from './reports.ts';
import { createSessionSecret, importAdminTokenSecret } from './secrets.ts';
import { createExportBucket, createTable } from './storage.ts';
import { routeEventsToIntake, scheduleSweeper } from './triggers.ts';

export interface StintJobsProps {
  /** Stage name, e.g. `dev` or `prod`; it names the dashboard. */
  stage: string;
  /** Deletion protection and RETAIN on stateful resources. */
  production?: boolean;
  /** Existing SNS topic for alarm notifications. */
  alarmTopicArn?: string;
  /** Create a topic for alarm notifications (ignored when alarmTopicArn is set). */
  createAlarmTopic?: boolean;
  /** Put a JWT authorizer in front of every route. */
  jwtAuthorizer?: JwtAuthorizerOptions;
  /** p90 job waiting time that raises the alarm. */
  waitingTimeThresholdMs?: number;
  /** Days ended jobs are kept before DynamoDB TTL removes them. */
  retentionDays?: number;
  logRetention?: logs.RetentionDays;
  logLevel?: LogLevel;
  /** Tenant of intake messages that name none. */
  defaultTenant?: string;
  /** Bearer JWTs the api accepts besides Stint API keys; claims map to role and tenant. */
  oidc?: OidcSettings;
  /** Per-principal request rate of the api; the api's defaults when unset. */
  rateLimit?: { perSecond: number; burst: number };
  /**
   * Secret holding a break-glass admin token: an ISecret, or its name or full ARN. Only the
   * api's role may read it, at run time; the token never appears in the template or in a
   * function's environment.
   */
  adminTokenSecret?: secretsmanager.ISecret | string;
  /** Customer-managed KMS key for the table; AWS-managed encryption when unset. */
  tableEncryptionKey?: kms.IKey;
  /** Route EventBridge events matching this pattern to the intake queue; their `detail` is the submission. */
  intakeEventPattern?: events.EventPattern;
  /**
   * Which tenants intake producers may submit into, by SQS sender id (`*` for any other
   * producer, EventBridge deliveries included); `grantSubmit(role, { tenants })` adds its role.
   * Default: any producer, the default tenant only.
   */
  intakeTenants?: Record<string, readonly string[]>;
  /** Register the example records app (stint.app.ts) and grant the worker what its jobs need. */
  recordsApp?: boolean;
}

/**
 * Stint's whole AWS footprint: table, queues, export bucket, report topic, functions, HTTP API,
 * alarms, dashboard.
 */
export class StintJobs extends Construct {
  readonly table: dynamodb.Table;
  readonly queues: StintQueues;
  /** The place of table-stream batches the expiry function gave up on (their jobs' leftovers stay). */
  readonly streamFailures: sqs.Queue;
  readonly bucket: s3.Bucket;
  /** Scheduled-run reports; recipients' email subscriptions are made by the api, not here. */
  readonly reportTopic: sns.Topic;
  /** Signs monitor sessions and seals the api's cursors; generated here, readable by the api alone. */
  readonly sessionSecret: secretsmanager.Secret;
  readonly functions: StintFunctions;
  readonly httpApi: apigw.HttpApi;
  readonly alarms: cloudwatch.Alarm[];
  readonly alarmTopic?: sns.ITopic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly intakeRule?: events.Rule;

  /** The intake binding; grantSubmit adds to it until synthesis reads it. */
  readonly #intakeTenants: Record<string, readonly string[]>;

  constructor(scope: Construct, id: string, props: StintJobsProps) {
    super(scope, id);
    const defaultTenant = props.defaultTenant ?? DEFAULT_SETTINGS.defaultTenant;
    this.#intakeTenants = { ...(props.intakeTenants ?? defaultIntakeBinding(defaultTenant)) };
    const production = props.production ?? false;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const waitingTimeThresholdMs = props.waitingTimeThresholdMs ?? ALARMS.waitingTimeP90.defaultThresholdMs;
    const storage = { production, ...(props.tableEncryptionKey ? { tableEncryptionKey: props.tableEncryptionKey } : {}) };

    this.table = createTable(this, storage);
    this.bucket = createExportBucket(this, storage);
    this.queues = createQueues(this, { production });
    this.streamFailures = createStreamFailureQueue(this, { production });
    this.reportTopic = createReportTopic(this);
    this.sessionSecret = createSessionSecret(this, { production });
    const adminToken = typeof props.adminTokenSecret === 'string' ? importAdminTokenSecret(this, props.adminTokenSecret) : props.adminTokenSecret;
    const secrets = { session: this.sessionSecret, ...(adminToken ? { adminToken } : {}) };
    this.functions = createFunctions(this, {
      targets: {
        table: this.table,
        queues: this.queues,
        streamFailures: this.streamFailures,
        bucket: this.bucket,
        reportTopic: this.reportTopic,
        secrets,
        ...storage,
      },
      settings: {
        retentionDays: props.retentionDays ?? DEFAULT_SETTINGS.retentionDays,
        logLevel: props.logLevel ?? DEFAULT_SETTINGS.logLevel,
        defaultTenant,
        recordsApp: props.recordsApp ?? DEFAULT_SETTINGS.recordsApp,
        ...(props.oidc ? { oidc: props.oidc } : {}),
        ...(props.rateLimit ? { rateLimit: props.rateLimit } : {}),
      },
      production,
      logRetention,
      projectRoot: REPO_ROOT,
      intakeTenants: Lazy.string({ produce: () => Stack.of(this).toJsonString(this.#intakeTenants) }),
    });
    this.httpApi = createHttpApi(this, {
      handler: this.functions.api,
      production,
      logRetention,
      ...(props.jwtAuthorizer ? { jwtAuthorizer: props.jwtAuthorizer } : {}),
    });
    scheduleSweeper(this, this.functions.sweeper);
    if (props.intakeEventPattern) {
      this.intakeRule = routeEventsToIntake(this, props.intakeEventPattern, this.queues.intake.queue);
    }

    if (props.alarmTopicArn) this.alarmTopic = sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);
    else if (props.createAlarmTopic) this.alarmTopic = createAlarmTopic(this);
    const observed = { functions: this.functions, queues: this.queues, streamFailures: this.streamFailures, table: this.table, waitingTimeThresholdMs };
    this.alarms = createAlarms(this, { ...observed, ...(this.alarmTopic ? { topic: this.alarmTopic } : {}) });
    this.dashboard = createDashboard(this, { ...observed, dashboardName: `Stint-${props.stage}` });
  }

  /** URL of the HTTP API's default stage. */
  get apiUrl(): string {
    return this.httpApi.apiEndpoint;
  }

  /**
   * Lets another service's role submit jobs: `sqs:SendMessage` on the intake queue, nothing
   * else. The queue uses SQS-managed encryption, so no KMS permission is involved. With
   * `tenants`, the role is bound to them: SQS reports a role's unique id as the sender of its
   * messages, and the intake handler accepts them into those tenants only. An imported role
   * has no id here; pass its `producerId` (`aws iam get-role --query Role.RoleId`).
   */
  grantSubmit(grantee: iam.IGrantable, binding?: { tenants: readonly string[]; producerId?: string }): iam.Grant {
    if (binding) {
      const producer = binding.producerId ?? (grantee instanceof iam.Role ? grantee.roleId : undefined);
      if (!producer) throw new Error('grantSubmit: name the producerId of a role this app did not create');
      this.#intakeTenants[producer] = [...binding.tenants];
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...SUBMIT_PERMISSION.actions],
      resourceArns: SUBMIT_PERMISSION.resources.flatMap((name) =>
        resourceArns(name, {
          table: this.table,
          queues: this.queues,
          streamFailures: this.streamFailures,
          bucket: this.bucket,
          reportTopic: this.reportTopic,
          secrets: { session: this.sessionSecret },
        }),
      ),
    });
  }
}
