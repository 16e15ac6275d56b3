import { randomBytes } from 'node:crypto';
import type { AwsClients } from '@stint/core';
import { emulatorClients, startEmulators } from '@stint/local/emulators';
import { provision } from '@stint/local/provision';
import { createRecordsApp, type RecordsApp, type RecordStore } from '../index.ts';
import { FAKE_TENANT } from './fake-job-context.ts';

export interface EmulatedApp {
  app: RecordsApp;
  /** The records of the fake jobs' tenant. */
  records: RecordStore;
  clients: AwsClients;
  tableName: string;
  bucketName: string;
  stop(): Promise<void>;
}

/** Emulators plus a table, queues and bucket of the caller's own (random names). */
export async function startEmulatedApp(): Promise<EmulatedApp> {
  const emulators = await startEmulators();
  const suffix = randomBytes(4).toString('hex');
  const clients = emulatorClients(emulators);
  const names = { tableName: `records-${suffix}`, bucketName: `records-${suffix}`, queuePrefix: `records-${suffix}-` };
  await provision(clients, names);
  const app = createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: names.tableName, bucketName: names.bucketName });
  return {
    app,
    records: app.records(FAKE_TENANT),
    clients,
    tableName: names.tableName,
    bucketName: names.bucketName,
    async stop() {
      clients.dynamo.destroy();
      clients.sqs.destroy();
      clients.s3.destroy();
      await emulators.stop();
    },
  };
}
