import { handle } from 'hono/aws-lambda';
import { loadAuthConfig } from '@stint/core/auth/auth-config';
import { rateLimitFromEnv } from '../api/api-options.ts';
import { createApiApp } from '../api/app.ts';
import { createRuntime } from '../runtime.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-api');
const runtime = createRuntime({ onEvent: telemetry.onEvent });
const lambda = handle(
  createApiApp({
    engine: runtime.engine,
    clients: runtime.clients,
    config: runtime.config,
    auth: loadAuthConfig(),
    rateLimit: rateLimitFromEnv(process.env),
    onUnexpectedError: (error) => telemetry.logger.error('api request failed', { error: error as Error }),
  }),
);

export const handler = async (...args: Parameters<typeof lambda>) => {
  try {
    return await lambda(...args);
  } finally {
    telemetry.flush();
  }
};
