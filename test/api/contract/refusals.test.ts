import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '@stint/functions/api/request-limits';
import { placeJob } from '../../support/jobs.ts';
import { ADMIN_TOKEN, NIGHTLY, TENANT_A, TEST_SCHEDULES, useApiStack, type ApiStack } from '../api-stack.ts';
import { generators, type Generators } from './arbitraries.ts';
import { createValidator, fetchDocument, operationsOf, requestOf, type Operation, type Parameter, type Schema } from './document.ts';
import { brokenPromises, errorOf, send, type Answer } from './harness.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * The contract walk: every operation, every parameter and every body field, each rule its
 * schema states broken once. The server must refuse each with a 400 naming that field, in one
 * voice ("<field> must …; got …"), with the same words wherever the same field has the same
 * schema; and one refusal policy holds on every route: unknown and repeated query parameters
 * are refused, so a destructive route never widens its scope for a parameter it did not read.
 */

let api: ApiStack;
useApiStack((stack) => (api = stack), { schedules: TEST_SCHEDULES, limits: { longPollMs: 30 } });

let operations: Operation[];
let gen: Generators;
let isValid: (schema: Schema, value: unknown) => boolean;
beforeAll(async () => {
  const doc = await fetchDocument(api);
  operations = operationsOf(doc);
  isValid = createValidator(doc);
  gen = generators(doc, isValid);
});

const SEED = 20_260_515;
const one = <T>(arbitrary: fc.Arbitrary<T>): T => fc.sample(arbitrary, { numRuns: 1, seed: SEED })[0]!;

/** Values that reach the operation: ids that route to it, a tenant, and every required parameter valid. */
function baseValues(op: Operation): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const parameter of op.parameters) {
    if (parameter.in === 'path')
      values[parameter.name] = op.path.startsWith('/api/keys')
        ? 'k0000000000000000'
        : op.path.startsWith('/api/schedules')
          ? NIGHTLY.id
          : '0000000000000000anyjob';
    else if (parameter.name === 'tenant') values.tenant = TENANT_A;
    else if (parameter.required) values[parameter.name] = one(gen.valid(parameter.schema));
  }
  return values;
}

const baseBody = (op: Operation) => (op.body ? one(gen.valid(op.body)) : undefined);

async function call(op: Operation, values: Record<string, unknown>, body: unknown, extraQuery = ''): Promise<Answer> {
  return send(api.app, { ...requestOf(op, values, body, extraQuery), token: ADMIN_TOKEN });
}

interface Refusal {
  route: string;
  field: string;
  schema: string;
  value: string;
  answer: Answer;
}

function expectRefusal(refusal: Refusal, problems: string[]): void {
  const { route, field, answer } = refusal;
  if (answer.status !== 400) {
    problems.push(`${route}: ${field} = ${refusal.value} answered ${answer.status}, not 400: ${answer.text.slice(0, 200)}`);
    return;
  }
  const error = errorOf(answer);
  const named = error.field === field || error.field?.startsWith(`${field}.`) || field.startsWith(`${error.field}.`);
  if (!named) problems.push(`${route}: ${field} = ${refusal.value} was refused naming ${error.field}: ${error.message}`);
  if (!/^(unknown (parameter|field) "[^"]+"|[\w.]+ (must|is) .+; got .+)/.test(error.message))
    problems.push(`${route}: "${error.message}" is not in the api's voice`);
  if (/Invalid input|expected \w+, received|Too (big|small)|Unrecognized key/.test(error.message))
    problems.push(`${route}: "${error.message}" has zod's wording`);
}

describe('each rule the document states is refused as the document predicts', () => {
  it('refuses every broken parameter rule of every operation with a 400 naming the parameter', async () => {
    const problems: string[] = [];
    const refusals: Refusal[] = [];
    let checked = 0;
    for (const op of operations) {
      for (const parameter of op.parameters) {
        for (const violation of gen.violations(parameter.schema, { asText: true })) {
          const broken = one(violation);
          const values = { ...baseValues(op), [parameter.name]: broken.value };
          const answer = await call(op, values, baseBody(op));
          const refusal = { route: op.route, field: parameter.name, schema: schemaKey(parameter), value: JSON.stringify(broken.value), answer };
          expectRefusal(refusal, problems);
          refusals.push(refusal);
          checked++;
        }
        if (parameter.required) {
          const values = baseValues(op);
          delete values[parameter.name];
          expectRefusal(
            { route: op.route, field: parameter.name, schema: schemaKey(parameter), value: 'nothing', answer: await call(op, values, baseBody(op)) },
            problems,
          );
          checked++;
        }
      }
    }
    expect(problems).toEqual([]);
    expect(sameWordsForSameField(refusals)).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });

  it('refuses every broken body rule of every operation with a 400 naming the field', async () => {
    const problems: string[] = [];
    const refusals: Refusal[] = [];
    for (const op of operations.filter((o) => o.body !== null)) {
      for (const violation of gen.violations(op.body!, { asText: false })) {
        const broken = one(violation);
        // Some broken bodies are still valid as a whole (a union's other branch accepts them).
        if (isValid(op.body!, broken.value)) continue;
        const answer = await call(op, baseValues(op), broken.value);
        const refusal = { route: op.route, field: broken.at || 'body', schema: broken.rule, value: JSON.stringify(broken.value).slice(0, 80), answer };
        expectRefusal(refusal, problems);
        refusals.push(refusal);
      }
    }
    expect(problems).toEqual([]);
    expect(refusals.length).toBeGreaterThan(60);
  });

  it('refuses a cursor it did not issue on every operation that pages, in the same words', async () => {
    const paged = operations.filter((op) => op.parameters.some((p) => p.name === 'cursor'));
    expect(paged.length).toBeGreaterThanOrEqual(4);
    // A job that exists, so its logs are read rather than refused by the tenant wall.
    const job = await placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', tenant: TENANT_A, status: 'RUNNING', leased: true });
    for (const op of paged) {
      const values = { ...baseValues(op), ...(op.path.startsWith('/api/jobs/{id}') ? { id: job.id } : {}) };
      // Well-formed (base64url, so the schema accepts it), but not a cursor: only the api can tell.
      const answer = await call(op, { ...values, cursor: 'bm90LWEtY3Vyc29y' }, baseBody(op));
      expect([op.route, answer.status, errorOf(answer)]).toEqual([
        op.route,
        400,
        { code: 'badRequest', message: 'cursor must be a cursor this API issued for this query and caller; got one it did not', field: 'cursor' },
      ]);
    }
  });

  it('words a field the same on every route whose schema for it is the same', async () => {
    const tenantRoutes = operations.filter((op) => op.parameters.some((p) => p.name === 'tenant' && p.in === 'query'));
    const byRoute = new Map<string, string>();
    for (const op of tenantRoutes) {
      const answer = await call(op, { ...baseValues(op), tenant: 'x'.repeat(64) }, baseBody(op));
      byRoute.set(op.route, errorOf(answer).message);
    }
    // Two schemas: a tenant, or (where admins may narrow to installation jobs) a tenant or _admin.
    expect(new Set(byRoute.values()).size, JSON.stringify([...byRoute], null, 1)).toBe(2);
    for (const message of byRoute.values())
      expect(message).toMatch(
        /^tenant must be a tenant \(1 to 63 lower-case letters, digits and dashes, not starting with a dash\)( or _admin)?; got "x{60}…"$/,
      );
  });
});

describe('one refusal policy for every route', () => {
  it('refuses a query parameter an operation does not document, naming it and the ones it does', async () => {
    const problems: string[] = [];
    for (const op of operations) {
      const answer = await call(op, baseValues(op), baseBody(op), 'tenat=other');
      const known = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      const expected = `unknown parameter "tenat"; ${known.length ? `valid parameters are ${known.join(', ')}` : 'it takes none'}`;
      if (answer.status !== 400 || errorOf(answer).message !== expected || errorOf(answer).field !== 'tenat') {
        problems.push(`${op.route}: ${answer.status} ${answer.text.slice(0, 200)}`);
      }
      problems.push(...brokenPromises(op, answer, isValid));
    }
    expect(problems).toEqual([]);
  });

  it('refuses a parameter given twice, whichever value comes first', async () => {
    const problems: string[] = [];
    for (const op of operations) {
      for (const parameter of op.parameters.filter((p) => p.in === 'query')) {
        const good = encodeURIComponent(serialized(one(gen.valid(parameter.schema))));
        for (const pair of [
          [good, 'abc'],
          ['abc', good],
        ]) {
          const values = baseValues(op);
          delete values[parameter.name];
          const answer = await call(op, values, baseBody(op), pair.map((value) => `${parameter.name}=${value}`).join('&'));
          const error = answer.status === 400 ? errorOf(answer) : undefined;
          if (error?.field !== parameter.name || error.message !== `${parameter.name} must be given once; got 2 values`) {
            problems.push(`${op.route} ${parameter.name}=${pair.join('&')}: ${answer.status} ${answer.text.slice(0, 160)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
  it('refuses a JSON body nested past 32 levels on every operation, naming the body, and never parses one sent as text', async () => {
    const problems: string[] = [];
    const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    let checked = 0;
    for (const op of operations.filter((o) => o.method.toLowerCase() !== 'get')) {
      for (const [depth, contentType] of [
        [MAX_JSON_DEPTH + 1, 'application/json'],
        [5_000, 'application/json; charset=utf-8'],
        [5_000, 'text/plain'],
      ] as const) {
        const answer = await send(api.app, {
          ...requestOf(op, baseValues(op)),
          token: ADMIN_TOKEN,
          body: deep(depth),
          headers: { 'content-type': contentType },
        });
        problems.push(...brokenPromises(op, answer, isValid));
        checked++;
        // Sent as text, a body is refused by the routes that read one (as not JSON) and ignored by the others.
        if (contentType === 'text/plain') continue;
        const error = answer.status === 400 ? errorOf(answer) : undefined;
        if (error?.field !== 'body' || error.message !== `body must nest at most ${MAX_JSON_DEPTH} levels of objects and lists; got ${depth}`) {
          problems.push(`${op.route} (${depth} levels as ${contentType}): ${answer.status} ${answer.text.slice(0, 200)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });
});

describe('destructive routes never widen their scope for a parameter they did not understand', () => {
  const ended = () => placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', tenant: TENANT_A, status: 'FINISHED' });
  const exists = async (id: string) => (await engineInternals(api.stack.engine).deps.jobs.get(id)) !== undefined;

  it('clear-inactive with a misspelt tenant deletes nothing', async () => {
    const job = await ended();
    const response = await api.call('POST', '/api/jobs/clear-inactive?tenat=other');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'badRequest', message: 'unknown parameter "tenat"; valid parameters are tenant', field: 'tenat' } });
    expect(await exists(job.id)).toBe(true);
  });

  it('bulk by a filter with a misspelt parameter starts nothing', async () => {
    const before = (await engineInternals(api.stack.engine).deps.jobs.get((await ended()).id))!;
    const response = await api.call('POST', '/api/jobs/bulk', { body: { op: 'delete', filter: { stauts: ['FINISHED'] } } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'badRequest', message: 'unknown field "filter.stauts"', field: 'filter.stauts' } });
    const systemJobs = await (await api.call('GET', '/api/jobs?system=true&type=BULK_OPERATION&tenant=_admin')).json();
    expect((systemJobs as { items: unknown[] }).items).toEqual([]);
    expect(await exists(before.id)).toBe(true);
  });

  it('bulk with a paging parameter in its filter (which it would not honour) is refused', async () => {
    const response = await api.call('POST', '/api/jobs/bulk', { body: { op: 'delete', filter: { status: ['FINISHED'], _size: 1 } } });
    expect(response.status).toBe(400);
    expect(errorOf({ json: await response.json() } as Answer).field).toBe('filter._size');
  });

  it('bulk whose filter names another tenant than its tenant parameter is refused', async () => {
    const job = await ended();
    const response = await api.call('POST', `/api/jobs/bulk?tenant=${TENANT_A}`, {
      body: { op: 'delete', filter: { tenant: 'tenant-b', status: ['FINISHED'] } },
    });
    expect(response.status).toBe(400);
    expect(errorOf({ json: await response.json() } as Answer).field).toBe('filter.tenant');
    expect(await exists(job.id)).toBe(true);
  });

  it('delete with an extra parameter deletes nothing', async () => {
    const job = await ended();
    const response = await api.call('DELETE', `/api/jobs/${job.id}?cascade=true`);
    expect(response.status).toBe(400);
    expect(await exists(job.id)).toBe(true);
  });
});

/** A parameter's schema, as a key: the same schema should give the same words. */
function schemaKey(parameter: Parameter): string {
  const { description: _description, ...schema } = parameter.schema;
  return `${parameter.name} ${JSON.stringify(schema)}`;
}

function serialized(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Refusals of one field with one schema and one value must read the same on every route. */
function sameWordsForSameField(refusals: Refusal[]): string[] {
  const groups = new Map<string, Map<string, string[]>>();
  for (const refusal of refusals.filter((r) => r.answer.status === 400)) {
    const key = `${refusal.schema} = ${refusal.value}`;
    const messages = groups.get(key) ?? new Map<string, string[]>();
    const message = errorOf(refusal.answer).message;
    messages.set(message, [...(messages.get(message) ?? []), refusal.route]);
    groups.set(key, messages);
  }
  return [...groups].filter(([, messages]) => messages.size > 1).map(([key, messages]) => `${key}: ${JSON.stringify([...messages])}`);
}
