import { describe, expect, it } from 'vitest';
import { csrfTokenOf, newSessionClaims, signSession, verifySession, type SessionCredential } from './session-token.ts';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const NOW = 1_750_000_000_000;
const KEY: SessionCredential = { kind: 'key', hash: 'A'.repeat(43) };

describe('session tokens', () => {
  it('round-trips the claims it signed', () => {
    const claims = newSessionClaims(KEY, NOW + 1000);
    expect(verifySession(signSession(claims, SECRET), SECRET, NOW)).toEqual(claims);
  });

  it.each([
    ['another secret', (token: string) => ({ token, secret: `${SECRET}-other`, now: NOW })],
    [
      'an edited payload',
      (token: string) => ({ token: `${Buffer.from(JSON.stringify({ v: 1 })).toString('base64url')}.${token.split('.')[1]}`, secret: SECRET, now: NOW }),
    ],
    ['a cut signature', (token: string) => ({ token: token.slice(0, -2), secret: SECRET, now: NOW })],
    ['an extra part', (token: string) => ({ token: `${token}.x`, secret: SECRET, now: NOW })],
    ['expiry passed', (token: string) => ({ token, secret: SECRET, now: NOW + 1000 })],
    ['no cookie', () => ({ token: '', secret: SECRET, now: NOW })],
  ])('refuses %s', (_name, change) => {
    const { token, secret, now } = change(signSession(newSessionClaims(KEY, NOW + 1000), SECRET));
    expect(verifySession(token, secret, now)).toBeNull();
  });

  it('refuses claims of a shape it never signs, even with a valid MAC', () => {
    const forged = { v: 2, sid: 'x'.repeat(22), exp: NOW + 1000, cred: { kind: 'key', hash: 'short' } };
    const token = signSession(forged as never, SECRET);
    expect(verifySession(token, SECRET, NOW)).toBeNull();
  });

  it('holds a reference to the key, never the key', () => {
    const token = signSession(newSessionClaims(KEY, NOW + 1000), SECRET);
    const payload = Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8');
    expect(payload).not.toMatch(/stint_/);
  });

  it('derives a different CSRF token for each sign-in', () => {
    const a = newSessionClaims(KEY, NOW + 1000);
    const b = newSessionClaims(KEY, NOW + 1000);
    expect(csrfTokenOf(a, SECRET)).not.toBe(csrfTokenOf(b, SECRET));
    expect(csrfTokenOf(a, SECRET)).toBe(csrfTokenOf(a, SECRET));
  });
});
