import { EMULATOR_CREDENTIALS, EMULATOR_REGION, emulatorClients, startEmulators } from '@stint/local/emulators';
import { provision } from '@stint/local/provision';
import { DEFAULT_SETTINGS, functionEnvironment, type FunctionId, type FunctionSpec } from '../infra/spec.ts';

/** What a handler bundle needs to handle one event: its environment and the event. */
export interface EventTarget {
  env(fn: FunctionSpec): Record<string, string>;
  event(fn: FunctionId): unknown;
  stop(): Promise<void>;
}

const REGION = EMULATOR_REGION;
const CREDENTIALS = EMULATOR_CREDENTIALS;
/** The api's break-glass token, so the benchmark request reaches DynamoDB instead of stopping at 401. */
const ADMIN_TOKEN = 'cold-start-bench-admin-token';

/**
 * The local emulators with a provisioned table, queues and bucket. Bundles reach them through
 * the SDK's standard AWS_ENDPOINT_URL_* variables, so the handlers run unmodified.
 */
export async function startEventTarget(): Promise<EventTarget> {
  const emulators = await startEmulators();
  const clients = emulatorClients(emulators);
  const provisioned = await provision(clients, { tableName: 'cold-start-jobs', bucketName: 'cold-start-exports', queuePrefix: 'cold-start-' });
  const refs = {
    tableName: provisioned.tableName,
    workQueueUrl: provisioned.queueUrls.work,
    lowQueueUrl: provisioned.queueUrls.low,
    bucketName: provisioned.bucketName,
    adminToken: ADMIN_TOKEN,
  };
  const queueArn = (id: string) => `arn:aws:sqs:${REGION}:000000000000:cold-start-${id}`;
  const sqsEvent = (queue: string, body: unknown) => ({
    Records: [
      {
        messageId: 'cold-start-1',
        receiptHandle: 'cold-start-receipt',
        body: JSON.stringify(body),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
        messageAttributes: {},
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn(queue),
        awsRegion: REGION,
      },
    ],
  });
  const events: Record<FunctionId, unknown> = {
    api: {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/api/jobs',
      rawQueryString: '',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, host: 'localhost' },
      requestContext: { http: { method: 'GET', path: '/api/jobs', sourceIp: '127.0.0.1', protocol: 'HTTP/1.1' }, requestId: 'cold-start', stage: '$default' },
      isBase64Encoded: false,
    },
    // A job that does not exist: the worker looks it up and drops the message.
    worker: sqsEvent('work', { v: 1, jobId: 'cold-start-missing', rootId: 'cold-start-missing', tenant: 'default' }),
    intake: sqsEvent('intake', {
      type: 'EXECUTE_ACTION',
      label: 'cold start',
      data: { entityName: 'cold-start', query: { type: 'a' }, actionName: 'logSomething' },
    }),
    sweeper: { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} },
  };
  return {
    env: (fn) => ({
      ...(functionEnvironment(fn, refs, DEFAULT_SETTINGS) as Record<string, string>),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: emulators.awsEndpoint,
      AWS_ENDPOINT_URL_S3: emulators.awsEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }),
    event: (id) => events[id],
    stop: () => emulators.stop(),
  };
}
