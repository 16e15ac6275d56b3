import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { Job } from '@stint/core';
import { ApiKeyStore } from '@stint/core/auth/key-store';
import type { Role } from '@stint/core/auth/principal';
import { createLocalHttpRouter, serveLocalHttp } from '@stint/local/local-http';
import { readLocalOptions } from '@stint/local/local-options';
import { startLocalStack, type LocalStack } from '@stint/local/local-stack';
import { createMonitorPages } from '@stint/web';
import type { TestStack } from '../support/stack.ts';

export const ADMIN_TOKEN = 'stint-web-test-admin-token-0123456789';

export interface WebStack {
  url: string;
  stack: LocalStack;
  /** The composed app, for `app.request()` tests. */
  app: Hono;
  /** Issues an API key (a browser signs in with it). */
  issueKey(role: Role, tenant: string | null): Promise<string>;
  /** Submits through the api as the admin, as a producer would. */
  submit(body: Record<string, unknown>): Promise<Job>;
  api<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The local stack (`npm start`'s, on a temporary data dir) with the api and the monitor served
 * together on a free port, composed the way the local stack and the Lambda handler mount them.
 */
export async function startWebStack(options: { seed?: boolean } = {}): Promise<WebStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stint-web-'));
  const local = readLocalOptions({
    STINT_DATA_DIR: dataDir,
    STINT_SEED: options.seed ? 'true' : 'false',
    STINT_ADMIN_TOKEN: ADMIN_TOKEN,
    STINT_SWEEP_INTERVAL_MS: '1000',
    STINT_LEASE_MS: '5000',
  });
  const stack = await startLocalStack(local);
  // Exactly what `npm start` serves: the api with the monitor mounted beside it.
  const app = createLocalHttpRouter(stack, local);

  const server = serveLocalHttp(app, { port: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys = new ApiKeyStore(stack.clients.dynamo, stack.runtime.config.tableName);

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? null : JSON.parse(text)) as T;
  };

  return {
    url,
    stack,
    app: app as unknown as Hono,
    async issueKey(role, tenant) {
      return (await keys.create({ name: `${role} for tests`, role, tenant })).key;
    },
    submit: (body) => call<Job>('POST', '/api/jobs', body),
    api: call,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the form as a browser would and returns the Cookie header. */
export async function signInCookie(web: Pick<WebStack, 'app'>, token: string): Promise<string> {
  const response = await web.app.request('/sign-in', {
    method: 'POST',
    headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next: '/jobs' }),
  });
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** The monitor alone over a test stack, signed in with its admin token: `request(path)` fetches a page as that admin. */
export async function adminMonitor(stack: TestStack, adminToken: string): Promise<{ request(path: string): Promise<Response> }> {
  const pages = createMonitorPages({
    engine: stack.engine,
    clients: stack.clients,
    config: stack.config,
    auth: { adminToken },
    sessionSecret: 'monitor-test-session-secret-0123456789',
  }) as unknown as Hono;
  const cookie = await signInCookie({ app: pages }, adminToken);
  return { request: async (path) => pages.request(path, { headers: { cookie } }) };
}
