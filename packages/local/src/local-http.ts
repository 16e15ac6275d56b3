import { createApiApp } from '@stint/functions/api/app';
import type { LocalOptions } from './local-options.ts';
import type { LocalStack } from './local-stack.ts';

/** The HTTP side of the local stack: the same api app the Lambda handler serves. */
export function createLocalHttpApp(stack: LocalStack, options: LocalOptions) {
  return createApiApp({
    engine: stack.runtime.engine,
    clients: stack.clients,
    config: stack.runtime.config,
    auth: { adminToken: options.adminToken },
    rateLimit: false,
    onUnexpectedError: (error) => console.error('api:', error),
  });
}
