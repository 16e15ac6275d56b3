import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { fingerprint, openCursors, sealedCursors, type CursorCodec } from './cursor.ts';

const schema = z.strictObject({ v: z.literal(1), p: z.string() });
const POSITION = { v: 1, p: '0000000001000#child-of-another-tenant' };
const SECRET = 'a-session-secret-of-at-least-32-characters';
const BINDING = fingerprint(['acme', 'FINISHED']);

const refused = (codec: CursorCodec, token: string, binding = BINDING, field = 'cursor') =>
  expect(() => codec.decode(token, schema, binding, field)).toThrow(expect.objectContaining({ code: 'badRequest', field }));

describe('open cursors (kept inside the process)', () => {
  it('round-trip as base64url JSON bound to their query', () => {
    const token = openCursors.encode(POSITION, BINDING);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(openCursors.decode(token, schema, BINDING)).toEqual(POSITION);
  });

  it.each([
    ['not base64', '!!!'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['the wrong shape', openCursors.encode({ v: 2, p: 'x' }, BINDING)],
    ['an extra field', openCursors.encode({ v: 1, p: 'x', tenant: 'other' }, BINDING)],
    ['too long', 'a'.repeat(5000)],
    ['another query', openCursors.encode(POSITION, fingerprint(['acme', 'RUNNING']))],
  ])('refuse %s naming the field', (_, token) => {
    refused(openCursors, token);
    refused(openCursors, token, BINDING, 'after');
  });
});

describe('sealed cursors (handed out by the api)', () => {
  const codec = sealedCursors(SECRET);

  it('round-trip, and show nothing of the position', () => {
    const token = codec.encode(POSITION, BINDING);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('child-of-another-tenant');
    expect(codec.decode(token, schema, BINDING)).toEqual(POSITION);
    expect(codec.encode(POSITION, BINDING)).not.toBe(token);
  });

  it('open on another instance with the same secret', () => {
    expect(sealedCursors(SECRET).decode(codec.encode(POSITION, BINDING), schema, BINDING)).toEqual(POSITION);
  });

  it.each([
    ['another scope or query', (token: string) => ({ token, binding: fingerprint(['globex', 'FINISHED']), codec })],
    ['another secret', (token: string) => ({ token, binding: BINDING, codec: sealedCursors(`${SECRET}-other`) })],
    ['a flipped byte', (token: string) => ({ token: `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`, binding: BINDING, codec })],
    ['a cut tag', (token: string) => ({ token: token.slice(0, -4), binding: BINDING, codec })],
    ['an open cursor', () => ({ token: openCursors.encode(POSITION, BINDING), binding: BINDING, codec })],
    ['too short to hold anything', () => ({ token: 'AAAA', binding: BINDING, codec })],
  ])('refuse %s', (_, change) => {
    const { token, binding, codec: reader } = change(codec.encode(POSITION, BINDING));
    refused(reader, token, binding);
  });

  it('refuse a well-sealed value of the wrong shape', () => {
    refused(codec, codec.encode({ v: 1, p: 'x', extra: true }, BINDING));
  });
});

describe('fingerprint', () => {
  it('tells queries apart', () => {
    expect(fingerprint(['a', 1])).toBe(fingerprint(['a', 1]));
    expect(fingerprint(['a', 1])).not.toBe(fingerprint(['a', 2]));
  });
});
