import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { BadRequestError } from '../errors.ts';
import { MAX_CURSOR_LENGTH } from './param-schemas.ts';

/**
 * Cursors are base64url JSON: opaque to callers, readable when debugging. They are not signed,
 * so everything in one is validated on decode and nothing in one decides what a caller may
 * see: partitions and tenants always come from the request's scope, never from the cursor.
 */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(token: string, schema: z.ZodType<T>, field = 'cursor'): T {
  if (token.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new BadRequestError(`${field} is not a cursor this API issued`, field);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError(`${field} is not a cursor this API issued`, field);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BadRequestError(`${field} is not a cursor this API issued`, field);
  return parsed.data;
}

/**
 * A short digest of the filters a cursor was issued for. A position is only meaningful within
 * the same ranges and partitions, so a cursor replayed with other filters is refused instead of
 * silently skipping or repeating rows.
 */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

export function assertFingerprint(actual: string, expected: string, field = 'cursor'): void {
  if (actual !== expected) throw new BadRequestError(`${field} was issued for a different query`, field);
}
