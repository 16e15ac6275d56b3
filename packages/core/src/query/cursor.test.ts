import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { assertFingerprint, decodeCursor, encodeCursor, fingerprint } from './cursor.ts';

const schema = z.strictObject({ v: z.literal(1), p: z.string() });

describe('cursors', () => {
  it('round-trip as base64url JSON', () => {
    const token = encodeCursor({ v: 1, p: '0000000001000#abc' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(token, schema)).toEqual({ v: 1, p: '0000000001000#abc' });
  });

  it.each([
    ['not base64', '!!!'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['the wrong shape', encodeCursor({ v: 2, p: 'x' })],
    ['an extra field', encodeCursor({ v: 1, p: 'x', tenant: 'other' })],
    ['too long', 'a'.repeat(5000)],
  ])('refuses %s naming the field', (_, token) => {
    expect(() => decodeCursor(token, schema)).toThrow(expect.objectContaining({ code: 'badRequest', field: 'cursor' }));
    expect(() => decodeCursor(token, schema, 'after')).toThrow(expect.objectContaining({ field: 'after' }));
  });

  it('binds a cursor to its query', () => {
    expect(fingerprint(['a', 1])).toBe(fingerprint(['a', 1]));
    expect(fingerprint(['a', 1])).not.toBe(fingerprint(['a', 2]));
    expect(() => assertFingerprint('x', 'y')).toThrow('cursor was issued for a different query');
  });
});
