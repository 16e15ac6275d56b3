import { describe, expect, it } from 'vitest';
import { badInput } from './input-error.ts';
import { dataRefusal, MAX_DATA_BYTES, MAX_DATA_DEPTH, nestingDepth, submissionSchema } from './submission.ts';

/** `{"a":{"a":…1}}`, `depth` objects deep; or lists, for `[[…1]]`. */
const nested = (depth: number, open = '{"a":', close = '}') => JSON.parse(`${open.repeat(depth)}1${close.repeat(depth)}`) as unknown;

describe('nesting depth', () => {
  it.each([
    [1, 0],
    [null, 0],
    [{}, 1],
    [[], 1],
    [{ a: [1, { b: 2 }] }, 3],
    [[[], [[[]]]], 4],
    [{ wide: Array.from({ length: 1_000 }, () => ({ x: 1 })) }, 3],
  ])('of %j is %i', (value, depth) => {
    expect(nestingDepth(value, 100)).toBe(depth);
  });

  it('counts objects and lists alike, and stops one past the limit', () => {
    expect(nestingDepth(nested(40, '[', ']'), 100)).toBe(40);
    expect(nestingDepth(nested(40), 100)).toBe(40);
    expect(nestingDepth(nested(40), 10)).toBe(11);
  });

  it('walks a value far deeper than the stack allows without overflowing it', () => {
    const deep = nested(200_000, '[', ']');
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(nestingDepth(deep, MAX_DATA_DEPTH)).toBe(MAX_DATA_DEPTH + 1);
  });
});

describe('a job’s data', () => {
  it(`nests at most ${MAX_DATA_DEPTH} levels, as DynamoDB stores 32 with data one of them`, () => {
    expect(MAX_DATA_DEPTH).toBe(31);
    expect(dataRefusal(nested(31))).toBeUndefined();
    expect(dataRefusal(nested(32))).toEqual({ message: 'must nest at most 31 levels of objects and lists', got: 'more than 31' });
    expect(dataRefusal(nested(200_000, '[', ']'))).toEqual({ message: 'must nest at most 31 levels of objects and lists', got: 'more than 31' });
  });

  it(`weighs at most ${MAX_DATA_BYTES} bytes as JSON`, () => {
    const shell = Buffer.byteLength(JSON.stringify({ s: '' }));
    expect(dataRefusal({ s: 'x'.repeat(MAX_DATA_BYTES - shell) })).toBeUndefined();
    expect(dataRefusal({ s: 'x'.repeat(MAX_DATA_BYTES - shell + 1) })).toEqual({
      message: `must be at most ${MAX_DATA_BYTES} bytes as JSON (store large inputs in S3 and pass their key)`,
      got: `${MAX_DATA_BYTES + 1} bytes`,
    });
  });

  it('is refused in a submission in the api’s voice, naming data', () => {
    const input = { type: 'QUICK', data: nested(5_000) };
    const result = submissionSchema.safeParse(input);
    expect(result.success).toBe(false);
    const refusal = badInput(result.error!.issues, { kind: 'field', input });
    expect([refusal.field, refusal.message]).toEqual(['data', 'data must nest at most 31 levels of objects and lists; got more than 31']);
  });
});
