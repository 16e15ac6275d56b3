import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Secrets Manager's GetSecretValue on its own wire protocol (JSON 1.1 over HTTP), for tests that
 * cold-start the api: no emulator we run speaks Secrets Manager, and the api must read its
 * secrets through the real SDK client. Only the one operation the api calls is answered; any
 * other target, or an unknown secret, gets the error the service would send.
 */
export interface SecretsManagerFake {
  endpoint: string;
  /** Every SecretId asked for, in order. */
  requested: string[];
  /** Creates or replaces a secret's current value. */
  put(secretId: string, value: string): void;
  stop(): Promise<void>;
}

export async function startSecretsManagerFake(initial: Record<string, string> = {}): Promise<SecretsManagerFake> {
  const requested: string[] = [];
  const secrets = new Map(Object.entries(initial));
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const reply = (status: number, payload: object) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(payload));
      };
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        return reply(400, { __type: 'UnknownOperationException', message: `not served: ${String(request.headers['x-amz-target'])}` });
      }
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      requested.push(SecretId);
      const value = secrets.get(SecretId);
      if (value === undefined) {
        return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}`,
        Name: SecretId,
        SecretString: value,
        VersionStages: ['AWSCURRENT'],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requested,
    put: (secretId, value) => void secrets.set(secretId, value),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
