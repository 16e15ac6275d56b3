import { BatchGetCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApi } from '@stint/functions/api/api';
import type { ApiEnv } from '@stint/functions/api/api-env';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeJob } from '../../support/jobs.ts';
import { emulatorClients, startEmulators, type Emulators } from '../../support/stack.ts';
import { throttleDynamo } from '../../support/throttle.ts';
import { ADMIN_TOKEN, createApiStack, NIGHTLY, TENANT_A, TENANT_B, TEST_SCHEDULES, type ApiStack } from '../api-stack.ts';
import { createValidator, fetchDocument, operationsOf, type Operation, type Schema } from './document.ts';
import { brokenPromises, send, type Call } from './harness.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * Every documented response exists, and every answer is documented: for each operation, each
 * status the document lists is produced by a request written for it, and each answer keeps the
 * document's promises (listed status, body valid against its schema). The shared refusals
 * (400, 401, 413, 429, 431, 503) are produced the same way on every operation.
 */

let emulators: Emulators;
let api: ApiStack;
let operations: Operation[];
let isValid: (schema: Schema, value: unknown) => boolean;
/** The same stack behind a rate limit of one request, for 429. */
let limited: OpenAPIHono<ApiEnv>;
/** The same stack on a table that refuses every request for capacity, for 503. */
let throttled: OpenAPIHono<ApiEnv>;

const EMPTY_TENANT = 'contract-empty';
const UNKNOWN_JOB = '0000000000000000nosuchjob';

beforeAll(async () => {
  emulators = await startEmulators();
  // One export row and one cleared job per request, and short long polls: 202s without big data.
  api = await createApiStack(emulators, { schedules: TEST_SCHEDULES, limits: { exportInlineRows: 1, clearInlineJobs: 1, longPollMs: 30 } });
  const doc = await fetchDocument(api);
  operations = operationsOf(doc);
  isValid = createValidator(doc);
  limited = createApi({
    engine: api.stack.engine,
    clients: api.stack.clients,
    config: api.stack.config,
    auth: { adminToken: ADMIN_TOKEN },
    rateLimit: { perSecond: 0.001, burst: 1 },
  });
  await send(limited, { method: 'GET', url: '/api/summary', token: ADMIN_TOKEN });
  // An API key is looked up in the table, so with one every authenticated operation meets the throttle.
  const refusing = throttleDynamo(emulators, () => true);
  throttled = createApi({ engine: api.stack.engine, clients: refusing.clients, config: api.stack.config, auth: { adminToken: ADMIN_TOKEN }, rateLimit: false });
  for (let i = 0; i < 2; i++) await job('FINISHED');
});
afterAll(async () => {
  await api?.stack.stop();
  await emulators?.stop();
});

type Status = 'PENDING' | 'RUNNING' | 'FINISHED' | 'STOPPING' | 'STOPPED';
const job = async (status: Status, options: { lowPriority?: boolean; resultFile?: boolean; failed?: boolean } = {}) => {
  const placed = await placeJob(engineInternals(api.stack.engine).deps.jobs, {
    type: 'QUICK',
    tenant: TENANT_A,
    status,
    leased: status === 'RUNNING' || status === 'STOPPING',
    ...(options.lowPriority ? { lowPriority: true } : {}),
    ...(options.failed ? { failed: 'the step threw' } : {}),
  });
  if (options.resultFile)
    await engineInternals(api.stack.engine).deps.jobs.tryUpdate(placed.id, { set: { resultFile: `exports/${TENANT_A}/${placed.id}.csv` } });
  return placed.id;
};
const newKeyId = async () => (await api.keys.create({ name: 'disposable', role: 'viewer', tenant: TENANT_A })).info.id;
const schedule = (id = NIGHTLY.id, suffix = '') => `/api/schedules/${id}${suffix}?tenant=${TENANT_A}`;

type Scenario = () => Promise<Call>;
const admin = (method: string, url: string, body?: unknown): Call => ({ method, url, token: ADMIN_TOKEN, ...(body !== undefined ? { body } : {}) });
const as = (token: () => string, method: string, url: string, body?: unknown): Call => ({ ...admin(method, url, body), token: token() });
const viewer = () => api.tokens.viewerA;
const tenantAdmin = () => api.tokens.tenantAdminA;

/** Per operation, a request for each status it documents beyond the shared refusals. */
const SCENARIOS: Record<string, Record<number, Scenario>> = {
  health: { 200: async () => ({ method: 'GET', url: '/health' }) },
  getOpenApiDocument: { 200: async () => admin('GET', '/api/openapi.json') },
  getDocsPage: { 200: async () => admin('GET', '/api/docs') },
  submitJob: {
    201: async () => admin('POST', '/api/jobs', { type: 'QUICK', tenant: TENANT_A }),
    200: async () => {
      const body = { type: 'QUICK', tenant: TENANT_A, idempotencyKey: `contract-${Date.now()}` };
      await send(api.app, admin('POST', '/api/jobs', body));
      return admin('POST', '/api/jobs', body);
    },
    403: async () => as(viewer, 'POST', '/api/jobs', { type: 'QUICK' }),
    404: async () => admin('POST', '/api/jobs', { type: 'QUICK', tenant: TENANT_A, parentId: UNKNOWN_JOB }),
    409: async () => admin('POST', '/api/jobs', { type: 'QUICK', tenant: TENANT_A, parentId: await job('FINISHED') }),
  },
  sendEvent: {
    202: async () => admin('POST', '/api/events', { name: 'approved', key: 'contract', data: { by: 'ann' }, tenant: TENANT_A }),
    403: async () => as(viewer, 'POST', '/api/events', { name: 'approved', key: 'contract' }),
  },
  findJobs: { 200: async () => admin('GET', '/api/jobs'), 403: async () => as(tenantAdmin, 'GET', `/api/jobs?tenant=${TENANT_B}`) },
  getJob: { 200: async () => admin('GET', `/api/jobs/${await job('PENDING')}`), 404: async () => admin('GET', `/api/jobs/${UNKNOWN_JOB}`) },
  deleteJob: {
    204: async () => admin('DELETE', `/api/jobs/${await job('FINISHED')}`),
    403: async () => as(viewer, 'DELETE', `/api/jobs/${await job('FINISHED')}`),
    404: async () => admin('DELETE', `/api/jobs/${UNKNOWN_JOB}`),
    409: async () => admin('DELETE', `/api/jobs/${await job('PENDING')}`),
  },
  stopJob: operation('stop', 'PENDING', 'FINISHED'),
  resumeJob: operation('resume', 'STOPPED', 'PENDING'),
  forceStopJob: operation('force-stop', 'STOPPING', 'PENDING'),
  cancelJob: operation('cancel', 'STOPPED', 'PENDING'),
  restartJob: operation('restart', 'FINISHED', 'PENDING'),
  retryJob: operation('retry', 'FINISHED', 'PENDING'),
  setLowPriority: operation('low-priority', 'PENDING', 'FINISHED'),
  removeLowPriority: operation('low-priority', 'PENDING', 'FINISHED', 'DELETE'),
  readLogs: { 200: async () => admin('GET', `/api/jobs/${await job('RUNNING')}/logs`), 404: async () => admin('GET', `/api/jobs/${UNKNOWN_JOB}/logs`) },
  addLog: {
    201: async () => admin('POST', `/api/jobs/${await job('RUNNING')}/logs`, { level: 'INFO', message: 'hello' }),
    403: async () => as(viewer, 'POST', `/api/jobs/${await job('RUNNING')}/logs`, { level: 'INFO', message: 'hello' }),
    404: async () => admin('POST', `/api/jobs/${UNKNOWN_JOB}/logs`, { level: 'INFO', message: 'hello' }),
  },
  waitForJob: {
    200: async () => admin('GET', `/api/jobs/${await job('FINISHED')}/wait?status=FINISHED&maxTimeToWait=1000`),
    202: async () => admin('GET', `/api/jobs/${await job('PENDING')}/wait?status=FINISHED&maxTimeToWait=60000`),
    404: async () => admin('GET', `/api/jobs/${UNKNOWN_JOB}/wait?status=FINISHED&maxTimeToWait=10`),
    408: async () => admin('GET', `/api/jobs/${await job('PENDING')}/wait?status=FINISHED&maxTimeToWait=10`),
  },
  downloadResult: {
    302: async () => admin('GET', `/api/jobs/${await job('FINISHED', { resultFile: true })}/download`),
    404: async () => admin('GET', `/api/jobs/${await job('FINISHED')}/download`),
  },
  exportJobs: {
    200: async () => admin('GET', `/api/jobs/export.csv?tenant=${EMPTY_TENANT}`),
    202: async () => admin('GET', `/api/jobs/export.csv?tenant=${TENANT_A}`),
    403: async () => as(tenantAdmin, 'GET', `/api/jobs/export.csv?tenant=${TENANT_B}`),
  },
  bulkOperation: {
    200: async () => admin('POST', '/api/jobs/bulk', { op: 'stop', ids: [await job('PENDING')] }),
    202: async () => admin('POST', `/api/jobs/bulk?tenant=${TENANT_A}`, { op: 'stop', filter: { status: ['PENDING'] } }),
    403: async () => as(viewer, 'POST', '/api/jobs/bulk', { op: 'stop', ids: [UNKNOWN_JOB] }),
  },
  clearInactive: {
    200: async () => admin('POST', `/api/jobs/clear-inactive?tenant=${EMPTY_TENANT}`),
    202: async () => admin('POST', `/api/jobs/clear-inactive?tenant=${TENANT_A}`),
    403: async () => as(viewer, 'POST', '/api/jobs/clear-inactive'),
  },
  listJobTypes: { 200: async () => as(tenantAdmin, 'GET', '/api/job-types') },
  getSummary: { 200: async () => admin('GET', '/api/summary'), 403: async () => as(tenantAdmin, 'GET', `/api/summary?tenant=${TENANT_B}`) },
  getStats: { 200: async () => admin('GET', '/api/stats'), 403: async () => as(tenantAdmin, 'GET', `/api/stats?tenant=${TENANT_B}`) },
  listSchedules: { 200: async () => admin('GET', '/api/schedules'), 403: async () => as(tenantAdmin, 'GET', `/api/schedules?tenant=${TENANT_B}`) },
  getSchedule: { 200: async () => admin('GET', schedule()), 404: async () => admin('GET', schedule('no-such-schedule')) },
  updateSchedule: {
    200: async () => admin('PATCH', schedule(), { planning: { type: 'disabled' } }),
    403: async () => as(viewer, 'PATCH', schedule(), { planning: { type: 'disabled' } }),
    404: async () => admin('PATCH', schedule('no-such-schedule'), { planning: { type: 'disabled' } }),
    // 409 is a lost race, made by the fault below.
    409: async () => admin('PATCH', schedule(), { planning: { type: 'automatic' } }),
  },
  runSchedule: {
    201: async () => admin('POST', schedule(NIGHTLY.id, '/run')),
    403: async () => as(viewer, 'POST', schedule(NIGHTLY.id, '/run')),
    404: async () => admin('POST', schedule('no-such-schedule', '/run')),
  },
  runSchedules: {
    201: async () => admin('POST', '/api/schedules/run', { schedules: [{ id: NIGHTLY.id, tenant: TENANT_A }] }),
    403: async () => as(viewer, 'POST', '/api/schedules/run', { schedules: [{ id: NIGHTLY.id }] }),
    404: async () => admin('POST', '/api/schedules/run', { schedules: [{ id: 'no-such-schedule' }] }),
  },
  listScheduleRuns: { 200: async () => admin('GET', schedule(NIGHTLY.id, '/runs')), 404: async () => admin('GET', schedule('no-such-schedule', '/runs')) },
  createKey: {
    201: async () => admin('POST', '/api/keys', { name: 'contract', role: 'viewer', tenant: TENANT_A }),
    403: async () => as(tenantAdmin, 'POST', '/api/keys', { name: 'contract', role: 'viewer', tenant: TENANT_A }),
  },
  listKeys: { 200: async () => admin('GET', '/api/keys'), 403: async () => as(tenantAdmin, 'GET', '/api/keys') },
  revokeKey: {
    200: async () => admin('DELETE', `/api/keys/${await newKeyId()}`),
    403: async () => as(tenantAdmin, 'DELETE', `/api/keys/${await newKeyId()}`),
    404: async () => admin('DELETE', '/api/keys/k0000000000000000'),
  },
};

function operation(path: string, allowed: Status, refused: Status, method = 'POST'): Record<number, Scenario> {
  // Retry applies to a run that failed; low priority is removed from a job that has it.
  const prepare = (status: Status) => job(status, { lowPriority: method === 'DELETE', failed: path === 'retry' });
  return {
    200: async () => admin(method, `/api/jobs/${await prepare(allowed)}/${path}`),
    403: async () => as(viewer, method, `/api/jobs/${await prepare(allowed)}/${path}`),
    404: async () => admin(method, `/api/jobs/${UNKNOWN_JOB}/${path}`),
    409: async () => admin(method, `/api/jobs/${await prepare(refused)}/${path}`),
  };
}

/** The shared refusals, produced the same way on any operation. */
const SHARED: Record<number, (operation: Operation) => Call & { app?: OpenAPIHono<ApiEnv> }> = {
  400: (op) => ({ ...admin(op.method, sample(op)), url: `${sample(op)}${sample(op).includes('?') ? '&' : '?'}contractProbe=1` }),
  401: (op) => ({ method: op.method, url: sample(op), token: null }),
  413: (op) => ({ ...admin(op.method, sample(op)), body: `{"pad":"${'x'.repeat(1024 * 1024)}"}` }),
  429: (op) => ({ ...admin(op.method, sample(op)), app: limited }),
  503: (op) => ({ ...as(viewer, op.method, sample(op)), app: throttled }),
  431: (op) => admin(op.method, `${sample(op)}?pad=${'x'.repeat(9000)}`),
};

/** A path for the operation: its parameters filled with values that route to it. */
function sample(op: Operation): string {
  return op.path.replace('{id}', op.path.startsWith('/api/keys') ? 'k0000000000000000' : op.path.startsWith('/api/schedules') ? NIGHTLY.id : UNKNOWN_JOB);
}

describe('every documented response exists and every answer is documented', () => {
  it('has a request written for every status of every operation', () => {
    for (const op of operations) {
      const written = [...Object.keys(SCENARIOS[op.operationId] ?? {}).map(Number), ...Object.keys(SHARED).map(Number)];
      for (const status of op.responses.keys()) expect(written, `${op.route} documents ${status}`).toContain(status);
    }
  });

  it('produces each documented status of each operation, with a body its schema accepts', async () => {
    const problems: string[] = [];
    const dynamo = api.stack.clients.dynamo;
    for (const op of operations) {
      for (const status of op.responses.keys()) {
        const shared = SHARED[status];
        const call: Call & { app?: OpenAPIHono<ApiEnv> } = shared ? shared(op) : await SCENARIOS[op.operationId]![status]!();
        const conflict = op.operationId === 'updateSchedule' && status === 409;
        const faults = conflict ? loseEveryRace(dynamo) : undefined;
        try {
          const answer = await send(call.app ?? api.app, call);
          if (answer.status !== status) problems.push(`${op.route}: wanted ${status}, got ${answer.status} ${answer.text.slice(0, 200)}`);
          problems.push(...brokenPromises(op, answer, isValid));
        } finally {
          faults?.restore();
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

/**
 * Every conditional update fails as a lost race would; reads go to the emulator as usual
 * (through a second client, since the mocked one no longer sends).
 */
function loseEveryRace(dynamo: ApiStack['stack']['clients']['dynamo']) {
  const real = emulatorClients(emulators).dynamo;
  const mock = mockClient(dynamo);
  mock.on(GetCommand).callsFake((input) => real.send(new GetCommand(input)));
  mock.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
  mock.on(BatchGetCommand).callsFake((input) => real.send(new BatchGetCommand(input)));
  mock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
  return mock;
}
