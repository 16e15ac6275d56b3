import type { Server } from 'node:http';
import { type AwsClients, createAwsClients } from '@stint/core';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { startDynamoDbLocal } from './dynamodb-local.ts';

export interface Emulators {
  dynamoEndpoint: string;
  /** SQS, SNS and S3 share fauxqs's endpoint. */
  awsEndpoint: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** dynalite keeps its data in this directory; in memory when unset. */
  dataDir?: string;
  /** Use AWS's DynamoDB Local (Java) instead of dynalite. */
  dynamo?: 'dynalite' | 'dynamodb-local';
  fauxqsPort?: number;
  dynamoPort?: number;
}

/**
 * What every client of the emulators signs with. They check no signature, but DynamoDB Local
 * keeps one database per access key, so every process of a stack must use the same one.
 */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const EMULATOR_REGION = 'us-east-1';

/** AWS SDK clients pointed at running emulators. */
export function emulatorClients(emulators: Pick<Emulators, 'dynamoEndpoint' | 'awsEndpoint'>): AwsClients {
  return createAwsClients({
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    endpoints: { dynamo: emulators.dynamoEndpoint, sqs: emulators.awsEndpoint, s3: emulators.awsEndpoint, sns: emulators.awsEndpoint },
  });
}

/** Starts the in-process emulators that speak the real AWS wire protocols. */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const dynamo =
    options.dynamo === 'dynamodb-local' ? await startDynamoDbLocal(options.dynamoPort ?? 0) : await startDynalite(options.dataDir, options.dynamoPort ?? 0);
  const fauxqs = await startFauxqs({ port: options.fauxqsPort ?? 0, logger: false });
  return {
    dynamoEndpoint: dynamo.endpoint,
    awsEndpoint: `http://127.0.0.1:${fauxqs.port}`,
    async stop() {
      await Promise.allSettled([fauxqs.stop(), dynamo.stop()]);
    },
  };
}

async function startDynalite(path: string | undefined, port: number) {
  // dynalite's defaults simulate table creation delays; locally there is no reason to wait.
  const server: Server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('dynalite did not bind a TCP port');
  // dynalite closes its database when the server closes; a request still being handled would
  // then fail inside dynalite with an uncaught error. Count them so stop() can drain first.
  let inFlight = 0;
  server.on('request', (_request, response) => {
    inFlight++;
    response.once('close', () => inFlight--);
  });
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (let waited = 0; inFlight > 0 && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      // Idle keep-alive sockets would hold the server open; closing them lets it exit promptly.
      server.closeAllConnections();
      await closed;
    },
  };
}
