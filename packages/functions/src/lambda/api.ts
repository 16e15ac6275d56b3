import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { handle } from 'hono/aws-lambda';
import { loadApiSecrets, loadAuthConfig } from '@stint/core/auth';
import { createSessionAuth, createMonitorPages, createWebServices } from '@stint/web';
import { rateLimitFromEnv } from '../api/api-options.ts';
import { createApi } from '../api/api.ts';
import stintApp from '../../../../stint.app.ts';
import { createRuntime } from '../runtime.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-api');
const runtime = createRuntime({ app: stintApp, onEvent: telemetry.onEvent });
const { oidc } = loadAuthConfig();
/**
 * The api is built on the first request: its secrets are read from Secrets Manager (once per
 * instance), and a module import should not reach the network.
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
  const api = createApi({
    engine: runtime.engine,
    clients: runtime.clients,
    config: runtime.config,
    auth,
    sessionAuth: createSessionAuth(web),
    cursorSecret: secrets.sessionSecret,
    rateLimit: rateLimitFromEnv(process.env),
    onUnexpectedError: (error) => telemetry.logger.error('api request failed', { error: error as Error }),
  });
  api.route('/', createMonitorPages(web));
  return handle(api);
}

export const handler = async (...args: Parameters<ReturnType<typeof handle>>) => {
  try {
    lambda ??= await build();
    return await lambda(...args);
  } finally {
    telemetry.flush();
  }
};
