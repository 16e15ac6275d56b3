import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { interceptLocalhostDns } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_ENV } from '@stint/core/auth/api-secrets';
import { ENV } from '@stint/core/resource-spec';
import { decodeWorkMessage } from '@stint/core/work-queue';
import { createQueue, provision } from '@stint/local/provision';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '@stint/local/emulators';
import { resourcesOfType, synthStint, type Synthesized } from '../infra/synth.ts';
import { createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { startSecretsManagerFake, type SecretsManagerFake } from '../support/secrets-manager.ts';
import { emfPoints, reads, templateReads, type MetricPoint } from './metric-reads.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * The Lambda entry points (packages/functions/src/lambda/*) loaded as Lambda loads them:
 * imported with the environment the synthesized template gives their function (resource
 * references swapped for the emulators'), then invoked with the events Lambda passes. What they
 * print is parsed as CloudWatch would parse it, and held against what the template's alarms
 * and dashboard read.
 */

type FunctionId = 'api' | 'worker' | 'intake' | 'sweeper' | 'expiry';
type Handler = (event: unknown, context?: Context) => Promise<any>;

const ADMIN_TOKEN = 'lambda-handler-test-admin-token';
const SECRET_IDS = { session: 'stint-test-session-secret', adminToken: 'stint-test-admin-token' };
const savedEnv = { ...process.env };
let restoreDns: () => void;
let emulators: Emulators;
let stack: TestStack;
let secretsManager: SecretsManagerFake;
let synthesized: Synthesized;
/** Every metric point the handlers printed, over the whole file. */
const emitted: MetricPoint[] = [];

beforeAll(async () => {
  // fauxqs names its queues sqs.<region>.localhost; the SQS client sends to a queue URL's host.
  restoreDns = interceptLocalhostDns();
  emulators = await startEmulators({ dynamo: 'dynalite' });
  stack = await createTestStack(emulators, { definitions: [] });
  // The example records app registered (its types are what the handlers run here), and intake
  // producers bound to the tenant the intake messages name.
  synthesized = synthStint({ recordsApp: true, intakeTenants: { '*': ['acme'] } });
  secretsManager = await startSecretsManagerFake({ [SECRET_IDS.session]: 's'.repeat(64), [SECRET_IDS.adminToken]: ADMIN_TOKEN });
  Object.assign(process.env, {
    AWS_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: emulators.awsEndpoint,
    AWS_ENDPOINT_URL_SNS: emulators.awsEndpoint,
    AWS_ENDPOINT_URL_S3: emulators.awsEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
  });
});

afterAll(async () => {
  process.env = savedEnv;
  restoreDns?.();
  await stack?.stop();
  await emulators?.stop();
  await secretsManager?.stop();
});

/** The function's environment from the template; references become this test's resources. */
function templateEnvironment(id: FunctionId, overrides: Record<string, string>): Record<string, string> {
  const fn = Object.values(resourcesOfType(synthesized.template, 'AWS::Lambda::Function')).find(
    (f) => (f.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables.POWERTOOLS_SERVICE_NAME === `stint-${id}`,
  );
  const variables = (fn!.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
  const resources: Record<string, string> = {
    [ENV.tableName]: stack.config.tableName,
    [ENV.workQueueUrl]: stack.provisioned.queueUrls.work,
    [ENV.lowQueueUrl]: stack.provisioned.queueUrls.low,
    [ENV.bucketName]: stack.provisioned.bucketName,
    [ENV.reportTopicArn]: stack.provisioned.reportTopicArn,
    [SECRET_ENV.sessionSecretId]: SECRET_IDS.session,
  };
  const env = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      if (resources[name] === undefined) throw new Error(`no test resource for ${name} = ${JSON.stringify(value)}`);
      return [name, resources[name]];
    }),
  );
  return { ...env, ...overrides };
}

/** Imports an entry point as a cold start does: its module code runs with the function's environment. */
async function coldStart(id: FunctionId, overrides: Record<string, string> = {}): Promise<Handler> {
  Object.assign(process.env, templateEnvironment(id, overrides));
  const module = (await import(`../../packages/functions/src/lambda/${id}.ts`)) as { handler: Handler };
  return module.handler;
}

/** Invokes a handler and returns what it answered and the metric points it printed meanwhile. */
async function invoke<T>(handler: Handler, event: unknown): Promise<{ result: T; points: MetricPoint[] }> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n'));
    return true;
  }) as typeof process.stdout.write;
  try {
    const result = (await handler(event)) as T;
    const points = emfPoints(lines);
    emitted.push(...points);
    return { result, points };
  } finally {
    process.stdout.write = write;
  }
}

function sqsRecord(queueUrl: string, messageId: string, body: string, receiptHandle = `rh-${messageId}`, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${EMULATOR_REGION}:000000000000:${queueUrl.slice(queueUrl.lastIndexOf('/') + 1)}`,
    awsRegion: EMULATOR_REGION,
  };
}

function httpEvent(method: string, path: string, body?: unknown) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.test', authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    requestContext: { domainName: 'api.example.test', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' } },
    isBase64Encoded: false,
    ...(body ? { body: JSON.stringify(body) } : {}),
  };
}

const point = (name: string, dimensions: Record<string, string>, values?: number[]) =>
  expect.objectContaining({ namespace: 'Stint', name, dimensions, ...(values ? { values } : {}) });

describe('the api entry point', () => {
  it('builds its app on the first request, not at import, and retries a build that failed', async () => {
    // Neither the table nor the session secret exists yet: an import that reached either would
    // fail here. The api gets queues of its own, so its job's message stays out of the worker
    // test's batch.
    const late = { tableName: uniqueName('late-table'), bucketName: stack.provisioned.bucketName, queuePrefix: `${uniqueName('late')}-` };
    const lateSecret = uniqueName('late-session-secret');
    const queue = (id: string) => createQueue(stack.clients.sqs, uniqueName(`api-${id}`), {});
    const handler = await coldStart('api', {
      [ENV.tableName]: late.tableName,
      [ENV.workQueueUrl]: await queue('work'),
      [ENV.lowQueueUrl]: await queue('low'),
      [SECRET_ENV.sessionSecretId]: lateSecret,
      [SECRET_ENV.adminTokenSecretId]: SECRET_IDS.adminToken,
    });
    expect(secretsManager.requested).not.toContain(lateSecret);

    await expect(handler(httpEvent('GET', '/api/jobs'))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(secretsManager.requested).toContain(lateSecret);

    await provision(stack.clients, late);
    secretsManager.put(lateSecret, 'l'.repeat(64));
    const created = await invoke<{ statusCode: number; body: string }>(
      handler,
      httpEvent('POST', '/api/jobs', { type: 'EXECUTE_LISTENER', data: { listenerName: 'api', ms: 0 } }),
    );
    expect(created.result.statusCode).toBe(201);
    expect(created.points).toContainEqual(point('JobsCreated', { service: 'stint-api' }, [1]));

    // The second request uses the app the first one built; its metrics were flushed with it.
    const id = (JSON.parse(created.result.body) as { id: string }).id;
    const read = await invoke<{ statusCode: number; body: string }>(handler, httpEvent('GET', `/api/jobs/${id}`));
    expect(read.result.statusCode).toBe(200);
    expect(read.points).toEqual([]);
  });
});

describe('the intake entry point', () => {
  it('submits valid messages, fails invalid ones for the DLQ, and counts both, each refused message once', async () => {
    const handler = await coldStart('intake');
    const intakeUrl = stack.provisioned.queueUrls.intake;
    const event: SQSEvent = {
      Records: [
        sqsRecord(intakeUrl, 'good', JSON.stringify({ type: 'EXECUTE_LISTENER', tenant: 'acme', data: { listenerName: 'intake', ms: 3_000 } })),
        // Valid for the intake (data is the job's business), refused by the job when it runs.
        sqsRecord(intakeUrl, 'broken', JSON.stringify({ type: 'EXECUTE_LISTENER', tenant: 'acme', data: {} })),
        sqsRecord(intakeUrl, 'bad', JSON.stringify({ type: 'lowercase' })),
        // Refused at its first receive already, received again on its way to the DLQ: not counted again.
        sqsRecord(intakeUrl, 'bad-again', JSON.stringify({ type: 'lowercase' }), 'rh-bad-again', 2),
      ],
    };

    const { result, points } = await invoke<{ batchItemFailures: Array<{ itemIdentifier: string }> }>(handler, event);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }, { itemIdentifier: 'bad-again' }]);
    expect(points).toContainEqual(point('JobsCreated', { service: 'stint-intake' }, [1, 1]));
    expect(points).toContainEqual(point('IntakeRejected', { service: 'stint-intake' }, [1]));
    const listed = await engineInternals(stack.engine).deps.jobs.queryIndex({ index: 'gsi1', partition: 'T#acme#u' });
    expect(listed.keys).toHaveLength(2);
  });
});

describe('the worker entry point', () => {
  it('runs a batch’s slices and keeps each message invisible while its slice runs', async () => {
    // A lease of 1.5 s: heartbeats every 0.5 s push the message's visibility 3 s ahead.
    const handler = await coldStart('worker', { [ENV.leaseMs]: '1500' });
    const workUrl = stack.provisioned.queueUrls.work;
    // The intake's two jobs' messages, received as the event source mapping receives them, but
    // visible again after 5 s (time to start the slices on a loaded machine) unless extended.
    const received = [];
    while (received.length < 2) {
      const out = await stack.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: workUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 5 }));
      received.push(...(out.Messages ?? []));
    }
    const jobs = await Promise.all(received.map(async (m) => (await engineInternals(stack.engine).deps.jobs.get(decodeWorkMessage(m.Body!).jobId))!));
    const listener = jobs.findIndex((j) => (j.data as { listenerName?: string }).listenerName === 'intake');
    const listenerJobId = jobs[listener]!.id;
    const brokenJobId = jobs[1 - listener]!.id;
    const event: SQSEvent = { Records: received.map((m) => sqsRecord(workUrl, m.MessageId!, m.Body!, m.ReceiptHandle!)) };

    const running = invoke<{ batchItemFailures: unknown[] }>(handler, event);
    let settled = false;
    void running.finally(() => (settled = true));
    // The listener's three 3 s steps outlast the first 5 s of visibility by 4 s.
    const seenAgain: string[] = [];
    while (!settled) {
      const out = await stack.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: workUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      seenAgain.push(...(out.Messages ?? []).map((m) => m.MessageId!));
    }
    const { result, points } = await running;

    // The broken job's slice ended at once, so its message (which the event source mapping
    // deletes when the batch returns) may show again; the running one's never does.
    expect(seenAgain).not.toContain(received[listener]!.MessageId);
    expect(result.batchItemFailures).toEqual([]);
    expect(await engineInternals(stack.engine).deps.jobs.get(listenerJobId)).toMatchObject({ status: 'FINISHED', hasErrors: false });
    expect(await engineInternals(stack.engine).deps.jobs.get(brokenJobId)).toMatchObject({ status: 'FINISHED', hasErrors: true });
    expect(points).toEqual(
      expect.arrayContaining([
        point('WaitingTime', { service: 'stint-worker' }),
        point('WaitingTime', { service: 'stint-worker', jobType: 'EXECUTE_LISTENER' }),
        point('SliceDuration', { service: 'stint-worker' }),
        point('JobsFinished', { service: 'stint-worker' }),
        point('JobsFailed', { service: 'stint-worker' }),
      ]),
    );
  });
});

describe('a failed work message', () => {
  it('shows again after a backoff of seconds, not the queue’s visibility timeout', async () => {
    const handler = await coldStart('worker', { [ENV.leaseMs]: '1500' });
    const workUrl = stack.provisioned.queueUrls.work;
    const sent = await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: workUrl, MessageBody: 'not a work message' }));
    // Received as the event source mapping receives it: out of sight for the queue's 12 minutes.
    let message: Message | undefined;
    while (message === undefined) {
      const out = await stack.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: workUrl, VisibilityTimeout: 720, WaitTimeSeconds: 1 }));
      message = out.Messages?.find((m) => m.MessageId === sent.MessageId);
    }
    const { result } = await invoke<{ batchItemFailures: unknown[] }>(handler, {
      Records: [sqsRecord(workUrl, message.MessageId!, message.Body!, message.ReceiptHandle!)],
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sent.MessageId }]);

    // A first receive's backoff is 5 to 10 s.
    const shownAt = Date.now();
    let again: Message | undefined;
    while (again === undefined && Date.now() - shownAt < 20_000) {
      const out = await stack.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: workUrl, WaitTimeSeconds: 1 }));
      again = out.Messages?.find((m) => m.MessageId === sent.MessageId);
    }
    expect(again?.Body).toBe('not a work message');
    await stack.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: workUrl, ReceiptHandle: again!.ReceiptHandle! }));
  });
});

describe('the sweeper entry point', () => {
  it('sweeps, reconciles the schedules of the tenants it knows, and counts scheduled runs', async () => {
    const handler = await coldStart('sweeper');

    const { result, points } = await invoke<Record<string, number>>(handler, {});

    // acme came in through the intake: the records app's per-tenant schedule gets its row.
    expect(result.schedulesReconciled).toBeGreaterThan(0);
    expect(result.schedulesFailed).toBe(0);
    expect(points).toEqual(
      expect.arrayContaining([point('ScheduledRunsStarted', { service: 'stint-sweeper' }), point('ScheduledRunsFailed', { service: 'stint-sweeper' })]),
    );
  });
});

describe('the expiry entry point', () => {
  it('takes the table’s stream records, passes over what is not an expired job, and counts the jobs it cleaned', async () => {
    const handler = await coldStart('expiry');
    const removal = (sequence: string, image: Record<string, { S: string }>) => ({
      eventName: 'REMOVE',
      eventSource: 'aws:dynamodb',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: { Keys: { pk: image.pk, sk: image.sk }, OldImage: image, SequenceNumber: sequence, StreamViewType: 'OLD_IMAGE' },
    });

    const { result, points } = await invoke(handler, { Records: [removal('1', { pk: { S: 'T#acme' }, sk: { S: 'SUM#u' } })] });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(points).toContainEqual(point('ExpiredJobsCleaned', { service: 'stint-expiry' }, [0]));
  });
});

describe('the metrics the template reads', () => {
  it('are each printed by a handler, in the namespace and with the dimensions the alarm or graph reads', () => {
    const expected = templateReads(synthesized.template, 'Stint');
    // The p90 waiting-time alarm is the one whose source the issue found never ran.
    expect(expected).toContainEqual(
      expect.objectContaining({ source: expect.stringMatching(/^alarm /), name: 'WaitingTime', dimensions: { service: 'stint-worker' } }),
    );
    expect(expected.length).toBeGreaterThanOrEqual(10);
    const unread = expected.filter((read) => !emitted.some((p) => reads(read, p)));
    expect(unread).toEqual([]);
  });
});
