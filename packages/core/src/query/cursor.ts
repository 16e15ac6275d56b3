import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { BadRequestError } from '../errors.ts';
import { CURSOR_PATTERN, MAX_CURSOR_LENGTH } from './param-schemas.ts';

/**
 * How a finder turns its position into a `nextCursor` and back. A cursor is bound to the query
 * and scope it was issued for (the finder's `binding`, a fingerprint that includes the tenants,
 * partition or job it reads), so one replayed with other filters, or by a caller of another
 * scope, is refused instead of skipping or repeating rows. Nothing in a cursor ever decides
 * what a caller may see: partitions and tenants always come from the request's scope.
 */
export interface CursorCodec {
  encode(value: Record<string, unknown>, binding: string): string;
  /** The value, checked by `schema`; a BadRequestError naming `field` for anything this codec did not issue for `binding`. */
  decode<T>(token: string, schema: z.ZodType<T>, binding: string, field?: string): T;
}

const notIssued = (field: string) => new BadRequestError(`${field} must be a cursor this API issued for this query and caller; got one it did not`, field);

function parsed<T>(json: unknown, schema: z.ZodType<T>, field: string): T {
  const result = schema.safeParse(json);
  if (!result.success) throw notIssued(field);
  return result.data;
}

function assertToken(token: string, field: string): void {
  if (token.length > MAX_CURSOR_LENGTH || !CURSOR_PATTERN.test(token)) throw notIssued(field);
}

/**
 * Base64url JSON with the binding inside: readable, for positions that never leave the process
 * (a system job pages through its own scope and keeps the cursor in its checkpoint).
 */
export const openCursors: CursorCodec = {
  encode(value, binding) {
    return Buffer.from(JSON.stringify({ ...value, f: binding }), 'utf8').toString('base64url');
  },
  decode(token, schema, binding, field = 'cursor') {
    assertToken(token, field);
    let json: { f?: unknown };
    try {
      json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { f?: unknown };
    } catch {
      throw notIssued(field);
    }
    if (json === null || typeof json !== 'object' || json.f !== binding) throw notIssued(field);
    const { f: _binding, ...value } = json;
    return parsed(value, schema, field);
  },
};

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Cursors the api hands out: AES-256-GCM under a key derived from the api's secret, with the
 * binding as additional data. A caller can neither read the position (a sort key may name a
 * job it cannot see, such as another tenant's child under a parent id it guessed) nor make one
 * up, and a cursor presented with another query or scope fails authentication.
 */
export function sealedCursors(secret: string): CursorCodec {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'stint cursor v1', 32));
  return {
    encode(value, binding) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(binding, 'utf8'));
      const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    decode(token, schema, binding, field = 'cursor') {
      assertToken(token, field);
      const bytes = Buffer.from(token, 'base64url');
      if (bytes.length <= IV_BYTES + TAG_BYTES) throw notIssued(field);
      let json: unknown;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES)).setAAD(Buffer.from(binding, 'utf8'));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
        json = JSON.parse(plain.toString('utf8'));
      } catch {
        throw notIssued(field);
      }
      return parsed(json, schema, field);
    },
  };
}

/**
 * A short digest of the filters and scope a cursor is bound to. A position is only meaningful
 * within the same ranges and partitions.
 */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}
