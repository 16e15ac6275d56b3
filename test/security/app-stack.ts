/**
 * The app-layer security tests' stack: an api over emulators with the example records app
 * registered, keys of a tenant-admin and a viewer in two tenants, `acme` and `globex`, and the
 * records and files of both. Tests talk to it as a client does (`app.request`), and let the
 * worker run what was accepted before they look at the other tenant's data.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import type { JobDefinition, ScheduleDefinition } from '@stint/sdk';
import type { Job } from '@stint/core';
import { createRecordsApp, SEED_ENTITY, seedRecords, type RecordsApp } from '@stint/records-app';
import { afterAll, beforeAll } from 'vitest';
import { createApiStack, type ApiStack } from '../api/api-stack.ts';
import { startEmulators, type Emulators } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

export const ACME = 'acme';
export const GLOBEX = 'globex';

export interface AppStack {
  api: ApiStack;
  app: RecordsApp;
  tokens: { admin: string; acme: string; acmeViewer: string; globex: string };
  /** A request as a client sends it; the answer's status and JSON body. */
  call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Runs the worker until every job of `tenant` has ended (a job that was refused never existed). */
  settle(tenant: string): Promise<Job[]>;
  putFile(key: string, body: string): Promise<void>;
  readFile(key: string): Promise<string>;
  fileExists(key: string): Promise<boolean>;
  /** The ids of a tenant's records of an entity, and their touch counts. */
  records(tenant: string, entity?: string): Promise<Array<{ id: string; touchCount: number }>>;
  /** Writes the tenant's first `count` sample companies. */
  seed(tenant: string, count: number): Promise<void>;
}

export interface AppStackOptions {
  definitions?: JobDefinition[];
  schedules?: ScheduleDefinition[];
}

async function createAppStack(emulators: Emulators, options: AppStackOptions): Promise<AppStack> {
  let made: RecordsApp | undefined;
  const api = await createApiStack(emulators, {
    definitions: options.definitions ?? [],
    ...(options.schedules ? { schedules: options.schedules } : {}),
    appDefinitions: ({ clients, config }) => {
      made = createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: config.tableName, bucketName: config.bucketName });
      return made.definitions;
    },
  });
  const app = made!;
  const { clients, config, engine } = api.stack;
  const key = async (role: 'tenant-admin' | 'viewer', tenant: string) => (await api.keys.create({ name: `${role} of ${tenant}`, role, tenant })).key;
  await Promise.all([ACME, GLOBEX].map((tenant) => engineInternals(engine).deps.tenants.remember(tenant)));
  const tokens = {
    admin: api.tokens.admin,
    acme: await key('tenant-admin', ACME),
    acmeViewer: await key('viewer', ACME),
    globex: await key('tenant-admin', GLOBEX),
  };
  const bucket = config.bucketName;
  return {
    api,
    app,
    tokens,
    async call(method, path, token, body) {
      const response = await api.call(method, path, { token, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async settle(tenant) {
      let jobs: Job[] = [];
      await api.stack.runUntil(async () => {
        const page = await api.call('GET', `/api/jobs?tenant=${tenant}&children=true&_size=100`);
        jobs = ((await page.json()) as { items: Job[] }).items;
        return jobs.every((job) => job.status === 'FINISHED' || job.status === 'CANCELED');
      }, 90_000);
      return jobs;
    },
    async putFile(key, body) {
      await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async readFile(key) {
      return (await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    },
    async fileExists(key) {
      try {
        await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if ((error as Error).name === 'NotFound') return false;
        throw error;
      }
    },
    async records(tenant, entity = SEED_ENTITY) {
      return (await app.records(tenant).query(entity)).map((r) => ({ id: r.id, touchCount: r.touchCount }));
    },
    async seed(tenant, count) {
      await app.records(tenant).putMany(SEED_ENTITY, seedRecords(count));
    },
  };
}

/** An intake message as Lambda hands it over, sent by `senderId` (what SQS reports as its producer). */
export function intakeRecord(messageId: string, body: unknown, senderId = 'AROAORDERS:orders-fn'): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: senderId, ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:intake',
    awsRegion: 'us-east-1',
  };
}

/** Gives a suite its own emulators and app stack, and stops them after. */
export function useAppStack(receive: (stack: AppStack) => void, options: AppStackOptions = {}): void {
  let emulators: Emulators | undefined;
  let stack: AppStack | undefined;
  beforeAll(async () => {
    emulators = await startEmulators();
    stack = await createAppStack(emulators, options);
    receive(stack);
  });
  afterAll(async () => {
    await stack?.api.stack.stop();
    await emulators?.stop();
  });
}
