import { describe, expect, it } from 'vitest';
import { assertEventAddress, eventMessageSchema } from './events.ts';

/** What assertEventAddress throws, or 'ok'. */
function judged(name: unknown, key: unknown): unknown {
  try {
    assertEventAddress(name, key);
    return 'ok';
  } catch (error) {
    const { field, message, code } = error as { field?: string; message: string; code?: string };
    return { code, field, message };
  }
}

const BAD_NAME = { code: 'badRequest', field: 'name', message: 'name must be 1 to 128 letters, digits, dots, colons, dashes or underscores' };
const BAD_KEY = { code: 'badRequest', field: 'key', message: 'key must be a string of 1 to 512 characters' };

describe('an outside event’s address', () => {
  it('takes a name of 1 to 128 letters, digits, dots, colons, dashes or underscores, and nothing else', () => {
    expect(judged('a', 'k')).toBe('ok');
    expect(judged('Az09._:-', 'k')).toBe('ok');
    expect(judged('n'.repeat(128), 'k')).toBe('ok');
    expect(judged('n'.repeat(129), 'k')).toEqual(BAD_NAME);
    expect(judged('', 'k')).toEqual(BAD_NAME);
    // A bad character anywhere, first or last, refuses the whole name.
    expect(judged('!approved', 'k')).toEqual(BAD_NAME);
    expect(judged('approved!', 'k')).toEqual(BAD_NAME);
    expect(judged('a#b', 'k')).toEqual(BAD_NAME);
    expect(judged(7, 'k')).toEqual(BAD_NAME);
    expect(judged(undefined, 'k')).toEqual(BAD_NAME);
  });

  it('takes a key of any characters, 1 to 512 of them, and nothing but a string', () => {
    expect(judged('a', 'x')).toBe('ok');
    expect(judged('a', '# !/é')).toBe('ok');
    expect(judged('a', 'k'.repeat(512))).toBe('ok');
    expect(judged('a', 'k'.repeat(513))).toEqual(BAD_KEY);
    expect(judged('a', '')).toEqual(BAD_KEY);
    expect(judged('a', 5)).toEqual(BAD_KEY);
    expect(judged('a', ['k'])).toEqual(BAD_KEY);
    // The name is judged first.
    expect(judged('bad name', '')).toEqual(BAD_NAME);
  });
});

describe('an outside event as an intake message carries it', () => {
  it('takes name and key, with optional data (an object or null), id and tenant', () => {
    expect(eventMessageSchema.safeParse({ event: { name: 'n', key: 'k' } }).success).toBe(true);
    const full = { event: { name: 'n', key: 'k', data: { a: [1] }, id: 'e1', tenant: 'acme' } };
    expect(eventMessageSchema.parse(full)).toEqual(full);
    expect(eventMessageSchema.safeParse({ event: { name: 'n', key: 'k', data: null } }).success).toBe(true);
  });

  it('refuses anything else: a missing or mistyped field, a list as data, an unknown field at either level', () => {
    for (const message of [
      {},
      { event: { key: 'k' } },
      { event: { name: 'n' } },
      { event: { name: 1, key: 'k' } },
      { event: { name: 'n', key: 2 } },
      { event: { name: 'n', key: 'k', data: [1] } },
      { event: { name: 'n', key: 'k', data: 'text' } },
      { event: { name: 'n', key: 'k', id: 3 } },
      { event: { name: 'n', key: 'k', tenant: 4 } },
      { event: { name: 'n', key: 'k', extra: true } },
      { event: { name: 'n', key: 'k' }, extra: true },
    ]) {
      expect(eventMessageSchema.safeParse(message).success, JSON.stringify(message)).toBe(false);
    }
  });
});
