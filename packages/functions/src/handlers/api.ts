import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { handle } from 'hono/aws-lambda';
import { loadApiSecrets } from '@stint/core/auth/api-secrets';
import { loadAuthConfig } from '@stint/core/auth/auth-config';
import { createSessionAuth, createWebApp, createWebServices } from '@stint/web';
import { rateLimitFromEnv } from '../api/api-options.ts';
import { createApiApp } from '../api/app.ts';
import { createRuntime } from '../runtime.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-api');
const runtime = createRuntime({ onEvent: telemetry.onEvent });
const { oidc } = loadAuthConfig();
/**
 * The app is built on the first request: the api's secrets are read from Secrets Manager (once
 * per instance), and a module import should not reach the network.
 */
let lambda: ReturnType<typeof handle> | undefined;
async function build(): Promise<ReturnType<typeof handle>> {
  const secrets = await loadApiSecrets(new SecretsManagerClient(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}));
  const auth = { adminToken: secrets.adminToken, oidc };
  const web = createWebServices({
    engine: runtime.engine,
    clients: runtime.clients,
    config: runtime.config,
    auth,
    sessionSecret: secrets.sessionSecret,
    // The deployment copies the monitor's static files next to the bundle (infra/spec.ts).
    assetsDir: join(dirname(fileURLToPath(import.meta.url)), 'assets'),
    onUnexpectedError: (error) => telemetry.logger.error('monitor request failed', { error: error as Error }),
  });
  const app = createApiApp({
    engine: runtime.engine,
    clients: runtime.clients,
    config: runtime.config,
    auth,
    sessionAuth: createSessionAuth(web),
    cursorSecret: secrets.sessionSecret,
    rateLimit: rateLimitFromEnv(process.env),
    onUnexpectedError: (error) => telemetry.logger.error('api request failed', { error: error as Error }),
  });
  app.route('/', createWebApp(web));
  return handle(app);
}

export const handler = async (...args: Parameters<ReturnType<typeof handle>>) => {
  try {
    lambda ??= await build();
    return await lambda(...args);
  } finally {
    telemetry.flush();
  }
};
