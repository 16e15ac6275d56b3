import { createHash } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_QUERY_BYTES } from '@stint/functions/api/request-limits';
import { serveLocalHttp } from '@stint/local/local-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TENANT_A, useApiStack, type ApiStack } from '../api-stack.ts';

/**
 * What one request may weigh, on every route, the same way in the app, behind the local Node
 * server and behind the Lambda adapter: a body past 1 MiB is 413, a query string past 8 KiB is
 * 431, JSON nested past 32 levels is 400 — each a JSON error, each before anything is parsed.
 * And the headers those refusals carry.
 */

let api: ApiStack;
useApiStack((stack) => (api = stack));

let server: Server;
let base: string;
beforeAll(async () => {
  server = serveLocalHttp(api.app, { port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
/** `{"type":"QUICK","tenant":…,"data":{"a":{"a":…}}}` nested `depth` levels in all. */
const nested = (depth: number) => `{"type":"QUICK","tenant":"${TENANT_A}","data":${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}}`;
const padded = (bytes: number) => {
  const shell = `{"type":"QUICK","tenant":"${TENANT_A}","label":""}`;
  return `{"type":"QUICK","tenant":"${TENANT_A}","label":"${' '.repeat(bytes - shell.length)}"}`;
};

describe('in the app', () => {
  it('refuses a body over 1 MiB with 413 before reading it, and reads one of exactly 1 MiB', async () => {
    const over = await api.app.request('/api/jobs', {
      method: 'POST',
      headers: { ...json, 'content-length': String(MAX_BODY_BYTES + 1) },
      body: padded(MAX_BODY_BYTES + 1),
    });
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({
      error: { code: 'tooLarge', message: `body must be at most ${MAX_BODY_BYTES} bytes; got ${MAX_BODY_BYTES + 1} bytes`, field: 'body' },
    });
    const at = await api.app.request('/api/jobs', { method: 'POST', headers: json, body: padded(MAX_BODY_BYTES) });
    // Read, then refused for what it says (a label is at most 200 characters), not for its size.
    expect(at.status).toBe(400);
    expect(((await at.json()) as { error: { field: string } }).error.field).toBe('label');
  });

  it('refuses JSON nested past 32 levels with 400 naming the body, and stores 32 levels', async () => {
    const deep = await api.app.request('/api/jobs', { method: 'POST', headers: json, body: nested(MAX_JSON_DEPTH + 1) });
    expect(deep.status).toBe(400);
    expect(await deep.json()).toEqual({
      error: { code: 'badRequest', message: `body must nest at most ${MAX_JSON_DEPTH} levels of objects and lists; got ${MAX_JSON_DEPTH + 1}`, field: 'body' },
    });
    const deepest = await api.app.request('/api/jobs', { method: 'POST', headers: json, body: nested(MAX_JSON_DEPTH) });
    expect(deepest.status).toBe(201);
  });

  it.each([1_000, 2_500, 5_000, 100_000])('refuses JSON nested %i levels with 400, not 500', async (depth) => {
    const response = await api.app.request('/api/jobs', { method: 'POST', headers: json, body: nested(depth) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { field: string } }).error.field).toBe('body');
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const body = JSON.stringify({ type: 'QUICK', tenant: TENANT_A, label: '['.repeat(150), data: { note: '{{{{"\\' } });
    expect((await api.app.request('/api/jobs', { method: 'POST', headers: json, body })).status).toBe(201);
  });

  it('refuses a query string over 8 KiB with 431, and reads one of exactly 8 KiB', async () => {
    const over = await api.app.request(`/api/jobs?q=${'x'.repeat(MAX_QUERY_BYTES - 1)}`, { headers: auth });
    expect(over.status).toBe(431);
    expect(await over.json()).toEqual({
      error: { code: 'headersTooLarge', message: `the query string must be at most ${MAX_QUERY_BYTES} bytes; got ${MAX_QUERY_BYTES + 1}`, field: 'query' },
    });
    const at = await api.app.request(`/api/jobs?q=${'x'.repeat(MAX_QUERY_BYTES - 2)}`, { headers: auth });
    expect(at.status).toBe(400);
    expect(((await at.json()) as { error: { field: string } }).error.field).toBe('q');
  });

  it('applies to the monitor’s routes too', async () => {
    const response = await api.app.request(`/jobs?q=${'x'.repeat(MAX_QUERY_BYTES)}`);
    expect(response.status).toBe(431);
  });
});

describe('behind the local Node server (npm start)', () => {
  it('refuses a streamed body over 1 MiB (no Content-Length) with a JSON 413, and keeps serving', async () => {
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}/api/jobs`, { method: 'POST', headers: { ...json, 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      const chunk = 'x'.repeat(64 * 1024);
      for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.length) req.write(chunk);
      req.end();
    });
    expect(status.status).toBe(413);
    expect(JSON.parse(status.body)).toMatchObject({ error: { code: 'tooLarge', field: 'body' } });
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('answers JSON nested 5,000 levels with 400, and the process keeps serving', async () => {
    const response = await fetch(`${base}/api/jobs`, { method: 'POST', headers: json, body: nested(5_000) });
    expect(response.status).toBe(400);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('answers a request line and headers past Node’s limit with a JSON 431, not a bare status line', async () => {
    const raw = await rawExchange(`GET /api/jobs?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toContain('Content-Type: application/json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'headersTooLarge' } });
  });

  it('answers malformed HTTP with a JSON 400', async () => {
    const raw = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'badRequest' } });
  });
});

describe('behind the Lambda adapter', () => {
  const lambda = () => handle(api.app) as unknown as (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;
  const event = (method: string, path: string, rawQueryString: string, body?: string): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString,
      headers: { host: 'jobs.stint.test', ...json },
      requestContext: { domainName: 'jobs.stint.test', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
      isBase64Encoded: false,
      ...(body !== undefined ? { body } : {}),
    }) as unknown as APIGatewayProxyEventV2;

  it.each([
    ['a body over 1 MiB', event('POST', '/api/jobs', '', padded(MAX_BODY_BYTES + 1)), 413, 'tooLarge'],
    ['JSON nested 5,000 levels', event('POST', '/api/jobs', '', nested(5_000)), 400, 'badRequest'],
    ['a query string over 8 KiB', event('GET', '/api/jobs', `q=${'x'.repeat(MAX_QUERY_BYTES)}`), 431, 'headersTooLarge'],
  ])('refuses %s with its JSON error', async (_, request, status, code) => {
    const result = await lambda()(request, {} as Context);
    expect(result.statusCode).toBe(status);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code } });
  });
});

describe('security headers on the refusals made before anything is read', () => {
  // The headers of every other answer are test/security/api-headers.test.ts's.
  it.each([
    ['a query string over 8 KiB', () => api.app.request(`/api/jobs?q=${'x'.repeat(MAX_QUERY_BYTES)}`, { headers: auth }), 431],
    ['a body over 1 MiB', () => api.app.request('/api/jobs', { method: 'POST', headers: json, body: padded(MAX_BODY_BYTES + 1) }), 413],
    ['JSON nested past 32 levels', () => api.app.request('/api/jobs', { method: 'POST', headers: json, body: nested(MAX_JSON_DEPTH + 1) }), 400],
  ])('%s is answered never to be sniffed, stored or framed', async (_, send, status) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('gives the HTML reference the monitor’s rules: no inline code but its own stylesheet, no framing', async () => {
    const response = await api.app.request('/api/docs', { headers: auth });
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });
});

/** Sends raw bytes and reads the whole answer: for requests no HTTP client would send. */
function rawExchange(text: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
