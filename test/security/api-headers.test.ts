/**
 * Issue 11, item 13: the api's answers carry security headers, as the monitor's pages do:
 * nosniff on everything, no-store on what a principal asked for, and on the HTML of
 * /api/docs the monitor's CSP and frame rules (no inline script; its one inline style
 * admitted by hash).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useApiStack, type ApiStack } from '../api/api-stack.ts';

let api: ApiStack;
useApiStack((stack) => (api = stack));

const directives = (response: Response): Map<string, string> =>
  new Map(
    (response.headers.get('content-security-policy') ?? '')
      .split(';')
      .map((directive) => directive.trim())
      .filter(Boolean)
      .map((directive): [string, string] => {
        const [name, ...sources] = directive.split(/\s+/);
        return [name!, sources.join(' ')];
      }),
  );

describe('issue 11 item 13: security headers on the api', () => {
  it('answers JSON, refusals included, with nosniff, no-store and no framing', async () => {
    const answers = {
      listed: await api.call('GET', '/api/jobs', { token: api.tokens.tenantAdminA }),
      unauthenticated: await api.call('GET', '/api/jobs', { token: null }),
      forbidden: await api.call('POST', '/api/jobs', { token: api.tokens.viewerA, body: { type: 'QUICK' } }),
      invalid: await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'lower' } }),
      noRoute: await api.call('GET', '/api/no-such-route', { token: api.tokens.tenantAdminA }),
      document: await api.call('GET', '/api/openapi.json', { token: api.tokens.viewerA }),
    };
    const seen = Object.entries(answers).map(([name, response]) => ({
      name,
      status: response.status,
      type: response.headers.get('content-type')?.split(';')[0],
      nosniff: response.headers.get('x-content-type-options'),
      cache: response.headers.get('cache-control'),
      frame: response.headers.get('x-frame-options'),
      frameAncestors: directives(response).get('frame-ancestors'),
    }));
    const expected = (name: string, status: number) => ({
      name,
      status,
      type: 'application/json',
      nosniff: 'nosniff',
      cache: 'no-store',
      frame: 'DENY',
      frameAncestors: "'none'",
    });
    expect(seen).toEqual([
      expected('listed', 200),
      expected('unauthenticated', 401),
      expected('forbidden', 403),
      expected('invalid', 400),
      expected('noRoute', 404),
      expected('document', 200),
    ]);
  });

  it('gives /api/docs the monitor’s CSP: no inline script, only its own inline style, not framed', async () => {
    const response = await api.call('GET', '/api/docs', { token: api.tokens.viewerA });
    expect(response.status).toBe(200);
    const html = await response.text();
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]!);
    expect(styles).toHaveLength(1);
    expect(html).not.toMatch(/<script/);
    expect(html).not.toMatch(/\sstyle="/);

    const csp = directives(response);
    expect(csp.get('default-src')).toBe("'self'");
    expect(csp.get('script-src')).toBe("'self'");
    // What a browser checks: the hash of the style element's text, computed here from the page.
    expect(csp.get('style-src')).toBe(`'self' 'sha256-${createHash('sha256').update(styles[0]!).digest('base64')}'`);
    expect(csp.get('object-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('puts nosniff and the frame rules on the public health check', async () => {
    const response = await api.call('GET', '/health', { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });
});
