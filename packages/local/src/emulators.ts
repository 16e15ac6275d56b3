import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { startDynamoDbLocal } from './dynamodb-local.ts';

export interface Emulators {
  dynamoEndpoint: string;
  /** SQS and S3 share fauxqs's endpoint. */
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

/** Starts the in-process emulators that speak the real AWS wire protocols. */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const dynamo =
    options.dynamo === 'dynamodb-local'
      ? await startDynamoDbLocal(options.dynamoPort ?? 0)
      : await startDynalite(options.dataDir, options.dynamoPort ?? 0);
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
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // dynalite keeps idle sockets; closing them lets the process exit promptly.
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

