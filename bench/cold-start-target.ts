import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
const SECRETS: Record<string, string> = {
  'cold-start-session-secret': 'cold-start-bench-session-secret-0123456789abcdef',
  'cold-start-admin-token': ADMIN_TOKEN,
};

/**
 * Stands in for Secrets Manager, which has no emulator here: answers GetSecretValue (JSON 1.1
 * protocol) for the two secrets above, so the api's cold start includes its secret reads.
 * A benchmark harness only; no test relies on it.
 */
async function startSecretsEndpoint(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      const value = SecretId === undefined ? undefined : SECRETS[SecretId];
      response.writeHead(value === undefined ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify(
          value === undefined
            ? { __type: 'ResourceNotFoundException', message: 'no such secret' }
            : { ARN: SecretId, Name: SecretId, SecretString: value, VersionId: 'v1' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The local emulators with a provisioned table, queues and bucket. Bundles reach them through
 * the SDK's standard AWS_ENDPOINT_URL_* variables, so the handlers run unmodified.
 */
export async function startEventTarget(): Promise<EventTarget> {
  const emulators = await startEmulators();
  const secrets = await startSecretsEndpoint();
  const clients = emulatorClients(emulators);
  const provisioned = await provision(clients, { tableName: 'cold-start-jobs', bucketName: 'cold-start-exports', queuePrefix: 'cold-start-' });
  const refs = {
    tableName: provisioned.tableName,
    workQueueUrl: provisioned.queueUrls.work,
    lowQueueUrl: provisioned.queueUrls.low,
    bucketName: provisioned.bucketName,
    sessionSecretArn: 'cold-start-session-secret',
    adminTokenSecretArn: 'cold-start-admin-token',
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
    // A stream record that is not TTL's: the handler passes over it.
    expiry: { Records: [{ eventName: 'MODIFY', eventSource: 'aws:dynamodb', dynamodb: { SequenceNumber: 'cold-start-1' } }] },
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
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }),
    event: (id) => events[id],
    stop: async () => {
      await secrets.stop();
      await emulators.stop();
    },
  };
}
