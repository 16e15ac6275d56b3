import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeJob } from '../../support/jobs.ts';
import { ADMIN_TOKEN, NIGHTLY, PURGE, TENANT_A, TENANT_B, TEST_SCHEDULES, useApiStack, type ApiStack } from '../api-stack.ts';
import { generators, type Generators } from './arbitraries.ts';
import { createValidator, fetchDocument, operationsOf, requestOf, type Operation, type Schema } from './document.ts';
import { brokenPromises, errorOf, send } from './harness.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * Property-based requests from the document, for every operation: valid ones (every value
 * drawn from its schema) and invalid ones (one rule of one parameter or body field broken).
 * For all of them: no 5xx, a documented status, a body valid against its schema. A valid one
 * is never refused with 400 — except by the few cross-field rules the operation's description
 * states — and an invalid one is refused with 400 naming the field that broke its rule.
 *
 * CONTRACT_RUNS sets the requests per operation (default 40); the totals are printed.
 */

const RUNS = Number(process.env.CONTRACT_RUNS ?? 40);

/**
 * Refusals of valid values that no JSON Schema can state, each named in the operation's
 * description (checked below): ranges that end before they start, `after` with `cursor`,
 * a per-tenant schedule without its tenant (or an installation one with one).
 */
const CROSS_FIELD: Record<string, string[]> = {
  findJobs: ['createTo', 'startTo', 'endTo'],
  exportJobs: ['createTo', 'startTo', 'endTo'],
  bulkOperation: ['filter.createTo', 'filter.startTo', 'filter.endTo', 'filter.tenant'],
  readLogs: ['to', 'after'],
  getStats: ['from'],
  getSchedule: ['tenant'],
  updateSchedule: ['tenant'],
  runSchedule: ['tenant'],
  listScheduleRuns: ['tenant'],
  runSchedules: ['schedules.*.tenant'],
};

const isCrossField = (operationId: string, field: string) =>
  (CROSS_FIELD[operationId] ?? []).some((rule) => new RegExp(`^${rule.replaceAll('.', '\\.').replaceAll('*', '\\d+')}$`).test(field));

let api: ApiStack;
// Long polls end at once: a wait drawn with a day-long maxTimeToWait answers 202 straight away.
useApiStack((stack) => (api = stack), { schedules: TEST_SCHEDULES, limits: { longPollMs: 20 } });

let operations: Operation[];
let gen: Generators;
let isValid: (schema: Schema, value: unknown) => boolean;
let jobIds: string[];
const totals = { valid: 0, invalid: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
  const doc = await fetchDocument(api);
  operations = operationsOf(doc);
  isValid = createValidator(doc);
  gen = generators(doc, isValid);
  // Real jobs in every status an operation applies from, so valid requests also succeed.
  const statuses = ['PENDING', 'RUNNING', 'FINISHED', 'STOPPING', 'STOPPED'] as const;
  const placed = await Promise.all(
    statuses.flatMap((status) =>
      [TENANT_A, TENANT_B].map((tenant) =>
        placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', tenant, status, leased: status === 'RUNNING' || status === 'STOPPING' }),
      ),
    ),
  );
  jobIds = placed.map((job) => job.id);
});

afterAll(() => {
  const statuses = [...totals.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`);
  console.log(
    `contract fuzz: ${totals.valid + totals.invalid} requests over ${operations.length} operations (${totals.valid} valid, ${totals.invalid} invalid); ${statuses.join(', ')}`,
  );
});

/** Who asks: every role, so refusals by role (403) and tenant walls (404) are drawn too. */
const token = () => fc.constantFrom(ADMIN_TOKEN, api.tokens.tenantAdminA, api.tokens.viewerA);

/**
 * A path parameter: mostly ids that exist, sometimes any value its schema allows. An invalid
 * request names one that exists, so its refusal is not a 404 from the tenant wall, which
 * comes before the body on the routes that read it after the wall.
 */
function pathValue(op: Operation, schema: Schema, existing: boolean): fc.Arbitrary<unknown> {
  const known = op.path.startsWith('/api/schedules') ? [NIGHTLY.id, PURGE.id] : op.path.startsWith('/api/keys') ? [] : jobIds;
  if (known.length === 0) return gen.valid(schema);
  return existing ? fc.constantFrom(...known) : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: gen.valid(schema) });
}

/** Parameter values drawn from their schemas. `cursor` is opaque: only values the api issued are valid, and none is drawn. */
function validValues(op: Operation, existing = false): fc.Arbitrary<Record<string, unknown>> {
  const entries = op.parameters
    .filter((p) => p.name !== 'cursor')
    .map((p) => {
      const value =
        p.in === 'path'
          ? pathValue(op, p.schema, existing)
          : p.name === 'tenant'
            ? fc.oneof(fc.constantFrom(TENANT_A, TENANT_B), gen.valid(p.schema))
            : gen.valid(p.schema);
      return [p.name, p.required ? value : fc.option(value, { nil: undefined })] as const;
    });
  return fc.record(Object.fromEntries(entries));
}

interface Drawn {
  kind: 'valid' | 'invalid';
  token: string;
  values: Record<string, unknown>;
  body: unknown;
  /** For an invalid request: the field whose rule broke. */
  field?: string;
}

function requests(op: Operation): fc.Arbitrary<Drawn> {
  const body = op.body ? gen.valid(op.body) : fc.constant(undefined);
  const valid = fc.record({ token: token(), values: validValues(op), body }).map((r): Drawn => ({ kind: 'valid', ...r }));
  // Invalid requests are an admin's: a role refused before validation would hide the 400.
  const broken: Array<fc.Arbitrary<Drawn>> = [];
  for (const parameter of op.parameters) {
    for (const violation of gen.violations(parameter.schema, { asText: true })) {
      broken.push(
        fc.record({ values: validValues(op, true), body, violation }).map(({ values, body, violation }) => ({
          kind: 'invalid' as const,
          token: ADMIN_TOKEN,
          values: { ...values, [parameter.name]: violation.value },
          body,
          field: parameter.name,
        })),
      );
    }
  }
  if (op.body) {
    for (const violation of gen.violations(op.body, { asText: false })) {
      broken.push(
        fc
          .record({ values: validValues(op, true), violation })
          .filter(({ violation }) => !isValid(op.body!, violation.value))
          .map(({ values, violation }) => ({ kind: 'invalid' as const, token: ADMIN_TOKEN, values, body: violation.value, field: violation.at || 'body' })),
      );
    }
  }
  return broken.length ? fc.oneof(valid, fc.oneof(...broken)) : valid;
}

describe('requests generated from the document', () => {
  it('states every cross-field refusal in the description of its operation', () => {
    for (const [operationId, fields] of Object.entries(CROSS_FIELD)) {
      const op = operations.find((o) => o.operationId === operationId)!;
      for (const field of fields) expect(op.description, `${operationId}: ${field}`).toContain(`\`${field.split('.').pop()}\``);
    }
  });

  it('keeps the document’s promises for valid and invalid requests to every operation', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      const result = await fc.check(
        fc.asyncProperty(requests(op), async (drawn) => {
          const answer = await send(api.app, { ...requestOf(op, drawn.values, drawn.body), token: drawn.token });
          totals[drawn.kind]++;
          totals.byStatus.set(answer.status, (totals.byStatus.get(answer.status) ?? 0) + 1);
          const problems = brokenPromises(op, answer, isValid);
          if (drawn.kind === 'valid' && answer.status === 400 && !isCrossField(op.operationId, errorOf(answer).field ?? '')) {
            problems.push(`${op.route} refused a valid request: ${answer.text}`);
          }
          if (drawn.kind === 'invalid') {
            const field = answer.status === 400 ? (errorOf(answer).field ?? '') : '';
            // The first problem is named: a cross-field rule checked earlier may come before it.
            const named =
              field === drawn.field || field.startsWith(`${drawn.field}.`) || drawn.field!.startsWith(`${field}.`) || isCrossField(op.operationId, field);
            if (!named) problems.push(`${op.route} broke ${drawn.field} and answered ${answer.status}: ${answer.text.slice(0, 300)}`);
          }
          if (problems.length) throw new Error(problems.join('\n'));
        }),
        { numRuns: RUNS, seed: Number(process.env.CONTRACT_SEED ?? 20_260_515) },
      );
      if (result.failed)
        failures.push(
          `${op.route}: ${String(result.errorInstance ?? '').slice(0, 600)}\n  counterexample: ${JSON.stringify(result.counterexample)?.slice(0, 600)}`,
        );
    }
    expect(failures).toEqual([]);
    expect(totals.valid + totals.invalid).toBeGreaterThanOrEqual(operations.length * RUNS);
  }, 600_000);
});
