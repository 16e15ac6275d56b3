import { beforeAll, describe, expect, it } from 'vitest';
import { createStintClient, OPERATION_METHODS, type StintClient } from '../../../packages/client/src/index.ts';
import { NIGHTLY, TENANT_A, useApiStack, type ApiStack } from '../api-stack.ts';
import { createValidator, fetchDocument, operationsOf, type Operation, type Schema } from './document.ts';

/**
 * `@stint/client` against the document the api serves: a method for every operation, by
 * operationId, that calls that operation's method and path with parameters it documents and a
 * body its schema accepts. Any drift (a new route, a renamed parameter) fails here.
 */

let api: ApiStack;
useApiStack((stack) => (api = stack));

let operations: Operation[];
let isValid: (schema: Schema, value: unknown) => boolean;
beforeAll(async () => {
  const doc = await fetchDocument(api);
  operations = operationsOf(doc);
  isValid = createValidator(doc);
});

/** Arguments each client method is called with: every optional parameter it can send, given. */
const ARGS: Record<string, unknown[]> = {
  health: [],
  openApiDocument: [],
  docsPage: [],
  submit: [{ type: 'QUICK', label: 'x', data: { n: 1 }, tenant: TENANT_A, lowPriority: true, idempotencyKey: 'k1' }],
  sendEvent: [{ name: 'approved', key: 'k1', data: { by: 'ann' }, id: 'e1', tenant: TENANT_A }],
  findPage: [
    { type: ['QUICK'], status: ['PENDING', 'FINISHED'], createFrom: 1, createTo: 2, hasErrors: true, sort: 'name', q: 'x', tenant: TENANT_A, _size: 5 },
    'cursor-1',
  ],
  findById: ['j1'],
  delete: ['j1'],
  stop: ['j1'],
  resume: ['j1'],
  forceStop: ['j1'],
  cancel: ['j1'],
  restart: ['j1'],
  retry: ['j1'],
  setLowPriority: ['j1'],
  removeLowPriority: ['j1'],
  logs: ['j1', { level: 'ERROR', message: 'x', period: '2h', _size: 10 }],
  logInfo: ['j1', 'a line'],
  waitForJob: ['j1', ['FINISHED', 'STOPPED'], 1000],
  downloadUrl: ['j1'],
  exportJobs: [{ status: ['FINISHED'], tenant: TENANT_A }],
  bulk: ['stop', ['j1', 'j2']],
  clearInactive: [{ tenant: TENANT_A }],
  summary: [{ tenant: TENANT_A }],
  stats: [{ from: 1, to: 2, interval: 'day', tenant: TENANT_A }],
  'schedules.listPage': [{ status: ['failed'], q: 'x', size: 10, tenant: TENANT_A }, 'cursor-1'],
  'schedules.get': [{ id: NIGHTLY.id, tenant: TENANT_A }],
  'schedules.update': [
    { id: NIGHTLY.id, tenant: TENANT_A },
    { planning: { type: 'disabled' }, report: { enabled: true, recipients: ['ops@example.com'] } },
  ],
  'schedules.runNow': [{ id: NIGHTLY.id, tenant: TENANT_A }],
  'schedules.runMany': [[{ id: NIGHTLY.id, tenant: TENANT_A }, NIGHTLY.id]],
  'schedules.runsPage': [{ id: NIGHTLY.id, tenant: TENANT_A }, { status: ['success'], size: 5 }, 'cursor-1'],
  'keys.create': [{ name: 'ci', role: 'viewer', tenant: TENANT_A }],
  'keys.list': [],
  'keys.revoke': ['k0123456789abcdef'],
};

interface Recorded {
  method: string;
  url: URL;
  body: unknown;
}

/** A client whose fetch records each request and answers with a body every method can read. */
function recordingClient(): { client: StintClient; requests: Recorded[] } {
  const requests: Recorded[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ method: init?.method ?? 'GET', url: new URL(String(url)), body: init?.body === undefined ? undefined : JSON.parse(String(init.body)) });
    if (String(url).includes('/download')) return new Response(null, { status: 302, headers: { location: 'https://files.example/f.csv' } });
    return new Response(JSON.stringify({ items: [], nextCursor: null, jobs: [], job: {}, status: 'ok' }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  return { client: createStintClient({ baseUrl: 'https://jobs.stint.test', token: 't', fetch }), requests };
}

/** A query value as the document types it (lists are comma-separated, in `form` style). */
function read(schema: Schema, text: string): unknown {
  if (schema.type === 'array') return text.split(',');
  if (schema.type === 'integer' || schema.type === 'number') return Number(text);
  if (schema.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

async function invoke(client: StintClient, path: string, args: unknown[]): Promise<void> {
  const [group, name] = path.includes('.') ? path.split('.') : [undefined, path];
  const target = (group ? (client as unknown as Record<string, Record<string, unknown>>)[group] : client) as Record<string, (...a: unknown[]) => unknown>;
  const result = target[name!]!(...args);
  // The iterators fetch when read.
  if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
    for await (const _ of result as AsyncIterable<unknown>) break;
  } else await result;
}

describe('@stint/client and the served document', () => {
  it('names a client method for exactly the document’s operations', () => {
    expect(Object.keys(OPERATION_METHODS).sort()).toEqual(operations.map((op) => op.operationId).sort());
  });

  it('calls each operation’s method and path, with parameters it documents and a body its schema accepts', async () => {
    const problems: string[] = [];
    for (const op of operations) {
      const method = OPERATION_METHODS[op.operationId as keyof typeof OPERATION_METHODS];
      const { client, requests } = recordingClient();
      await invoke(client, method, ARGS[method] ?? []);
      const request = requests[0];
      const path = new RegExp(`^${op.path.replaceAll(/\{\w+\}/g, '[^/]+')}$`);
      if (!request || request.method !== op.method || !path.test(request.url.pathname)) {
        problems.push(`${op.operationId} → ${method} sent ${request?.method} ${request?.url.pathname}, not ${op.route}`);
        continue;
      }
      for (const [name, text] of request.url.searchParams) {
        const parameter = op.parameters.find((p) => p.in === 'query' && p.name === name);
        if (!parameter) problems.push(`${op.operationId} → ${method} sends ${name}, which ${op.route} does not take`);
        else if (name !== 'cursor' && !isValid(parameter.schema, read(parameter.schema, text)))
          problems.push(`${op.operationId} → ${method} sends ${name}=${text}, which its schema refuses`);
      }
      if (op.body && !isValid(op.body, request.body))
        problems.push(`${op.operationId} → ${method} sends a body its schema refuses: ${JSON.stringify(request.body)}`);
      if (!op.body && request.body !== undefined) problems.push(`${op.operationId} → ${method} sends a body ${op.route} does not take`);
    }
    expect(problems).toEqual([]);
  });
});
