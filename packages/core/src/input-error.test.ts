import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { badInput, parseInput } from './input-error.ts';
import { listParam } from './query/param-schemas.ts';
import { PERIOD_GRAMMAR, parseLogQuery } from './query/log-query.ts';

const refusal = (schema: z.ZodType, input: unknown, kind: 'parameter' | 'field' = 'field') => {
  try {
    parseInput(schema, input, { kind });
  } catch (error) {
    return { message: (error as Error).message, field: (error as { field?: string }).field };
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

describe('the voice of a refusal', () => {
  const body = z.strictObject({ label: z.string().max(3), count: z.number().int(), mode: z.enum(['a', 'b']), code: z.string().regex(/^x$/, 'must be x') });
  const valid = { label: 'ab', count: 1, mode: 'a', code: 'x' };

  it.each([
    [{ ...valid, label: undefined }, 'label must be a string; got nothing', 'label'],
    [{ ...valid, label: 'abcd' }, 'label must be at most 3 characters; got 4 characters', 'label'],
    [{ ...valid, count: 1.5 }, 'count must be a whole number; got 1.5', 'count'],
    [{ ...valid, mode: 'c' }, 'mode must be one of a, b; got "c"', 'mode'],
    [{ ...valid, code: 'y' }, 'code must be x; got "y"', 'code'],
    [{ ...valid, extra: 1 }, 'unknown field "extra"', 'extra'],
    ['text', 'body must be an object; got "text"', 'body'],
  ])('words %j as field, expectation and what came', (input, message, field) => {
    const { message: said, field: named } = refusal(body, input);
    expect(said).toBe(message);
    expect(named).toBe(field);
  });

  it('names a list read from one string as the parameter, and the item that broke it', () => {
    const status = z.strictObject({ status: listParam(z.enum(['ON', 'OFF'], { error: 'must be ON or OFF' }), 'states') });
    expect(refusal(status, { status: 'ON,DIM' }, 'parameter')).toEqual({ message: 'status must be ON or OFF; got "DIM"', field: 'status' });
  });

  it('keeps a count a schema reports instead of the value', () => {
    const schema = z.string().superRefine((_, ctx) => ctx.addIssue({ code: 'custom', message: 'must be small', params: { got: '9 bytes' } }));
    expect(badInput(schema.safeParse('x').error!.issues, { kind: 'field', input: 'x', prefix: 'data' }).message).toBe('data must be small; got 9 bytes');
  });
});

describe('the period grammar the document promises', () => {
  it('is accepted by the parser whatever it draws', () => {
    fc.assert(fc.property(fc.stringMatching(PERIOD_GRAMMAR), (period) => parseLogQuery({ period }).period !== null));
  });
});
