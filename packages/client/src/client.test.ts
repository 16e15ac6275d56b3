import { describe, expect, it } from 'vitest';
import { createStintClient } from './client.ts';
import { errorFromResponse, StintClientError, TimeoutError } from './errors.ts';
import { queryString } from './http.ts';

/** A scripted fetch: the client's own injection point, answering each call from a list. */
function scripted(answers: Array<{ status: number; body: unknown }>) {
  const calls: string[] = [];
  const requests: Array<{ method: string | undefined; body: unknown }> = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push(String(url));
    requests.push({ method: init?.method, body: init?.body === undefined ? undefined : JSON.parse(String(init.body)) });
    const answer = answers.shift()!;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { fetch, calls, requests };
}

const job = { id: 'j1', status: 'FINISHED' };

describe('queryString', () => {
  it('joins lists with commas and drops absent values', () => {
    expect(queryString({ status: ['PENDING', 'RUNNING'], hasErrors: false, q: undefined, _size: 10 })).toBe(
      '?status=PENDING%2CRUNNING&hasErrors=false&_size=10',
    );
    expect(queryString({})).toBe('');
  });
});

describe('errorFromResponse', () => {
  it('reads the code, field and Retry-After of an error body', async () => {
    const bad = await errorFromResponse(new Response(JSON.stringify({ error: { code: 'badRequest', message: 'type: bad', field: 'type' } }), { status: 400 }));
    expect(bad).toMatchObject({ code: 'badRequest', status: 400, field: 'type', message: 'type: bad' });
    const limited = await errorFromResponse(
      new Response('{"error":{"code":"rateLimited","message":"slow down"}}', { status: 429, headers: { 'retry-after': '3' } }),
    );
    expect(limited).toMatchObject({ code: 'rateLimited', retryAfterSeconds: 3 });
    expect(await errorFromResponse(new Response('<html>', { status: 502, statusText: 'Bad Gateway' }))).toMatchObject({ code: 'http502', status: 502 });
    expect(await errorFromResponse(new Response('{"error":{"code":"timeout","message":"late"}}', { status: 408 }))).toBeInstanceOf(TimeoutError);
  });
});

describe('waitForJob', () => {
  it('asks again with the time left while the server answers 202', async () => {
    const { fetch, calls } = scripted([
      { status: 202, body: { status: 'waiting', retryAfterMs: 0, remainingMs: 1 } },
      { status: 200, body: job },
    ]);
    const client = createStintClient({ baseUrl: 'https://api.example.test/prod/', token: 't', fetch });
    expect(await client.waitForJob('j1', ['FINISHED', 'STOPPED'], 60_000)).toEqual(job);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/^https:\/\/api\.example\.test\/prod\/api\/jobs\/j1\/wait\?status=FINISHED%2CSTOPPED&maxTimeToWait=\d+$/);
    expect(Number(new URL(calls[1]!).searchParams.get('maxTimeToWait'))).toBeLessThanOrEqual(60_000);
  });
});

describe('find', () => {
  it('follows cursors until the last page', async () => {
    const { fetch, calls } = scripted([
      { status: 200, body: { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1', partial: false } },
      { status: 200, body: { items: [{ id: 'c' }], nextCursor: null, partial: false } },
    ]);
    const ids: string[] = [];
    for await (const j of createStintClient({ baseUrl: 'http://x', token: 't', fetch }).find({ status: 'STOPPED' })) ids.push(j.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(calls[1]).toBe('http://x/api/jobs?status=STOPPED&cursor=c1');
  });

  it('stops after _size jobs in all, asking each page for no more than are still wanted', async () => {
    const { fetch, calls } = scripted([
      { status: 200, body: { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1', partial: true } },
      { status: 200, body: { items: [{ id: 'c' }, { id: 'd' }, { id: 'e' }], nextCursor: 'c2', partial: false } },
    ]);
    const ids: string[] = [];
    for await (const j of createStintClient({ baseUrl: 'http://x', token: 't', fetch }).find({ status: 'FINISHED', _size: 3 })) ids.push(j.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    // A partial first page leaves one to find: the second asks for one, and no third is asked.
    expect(calls).toEqual(['http://x/api/jobs?status=FINISHED&_size=3', 'http://x/api/jobs?status=FINISHED&_size=1&cursor=c1']);
  });

  it('reaches a cap above the api’s page size over pages of 1000', async () => {
    const page = (from: number, count: number, nextCursor: string | null) => ({
      status: 200,
      body: { items: Array.from({ length: count }, (_, i) => ({ id: `j${from + i}` })), nextCursor, partial: false },
    });
    const { fetch, calls } = scripted([page(0, 1000, 'c1'), page(1000, 1000, 'c2'), page(2000, 500, 'c3')]);
    let count = 0;
    for await (const j of createStintClient({ baseUrl: 'http://x', token: 't', fetch }).find({ _size: 2500 })) expect(j.id).toBe(`j${count++}`);
    expect(count).toBe(2500);
    expect(calls.map((url) => new URL(url).searchParams.get('_size'))).toEqual(['1000', '1000', '500']);
  });

  it('leaves an invalid _size for the api to refuse', async () => {
    const { fetch, calls } = scripted([
      { status: 400, body: { error: { code: 'badRequest', message: '_size must be a whole number from 1 to 1000', field: '_size' } } },
    ]);
    const iterate = async () => {
      for await (const j of createStintClient({ baseUrl: 'http://x', token: 't', fetch }).find({ _size: 0 })) void j;
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'badRequest', field: '_size' });
    expect(calls).toEqual(['http://x/api/jobs?_size=0']);
  });

  it('findById answers null for notFound and throws other errors', async () => {
    const { fetch } = scripted([
      { status: 404, body: { error: { code: 'notFound', message: 'job x not found' } } },
      { status: 403, body: { error: { code: 'forbidden', message: 'no' } } },
    ]);
    const client = createStintClient({ baseUrl: 'http://x', token: 't', fetch });
    expect(await client.findById('x')).toBeNull();
    await expect(client.findById('x')).rejects.toBeInstanceOf(StintClientError);
  });
});

describe('logs', () => {
  it('stops after _size lines in all and passes the period’s time zone', async () => {
    const { fetch, calls } = scripted([
      { status: 200, body: { items: [{ message: 'a' }, { message: 'b' }], nextCursor: 'c1', tailCursor: null, partial: false } },
      { status: 200, body: { items: [{ message: 'c' }, { message: 'd' }], nextCursor: 'c2', tailCursor: null, partial: false } },
    ]);
    const messages: string[] = [];
    const client = createStintClient({ baseUrl: 'http://x', token: 't', fetch });
    for await (const line of client.logs('j1', { period: 'today', timeZone: 'Europe/Paris', _size: 3 })) messages.push(line.message);
    expect(messages).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual([
      'http://x/api/jobs/j1/logs?period=today&timeZone=Europe%2FParis&_size=3',
      'http://x/api/jobs/j1/logs?period=today&timeZone=Europe%2FParis&_size=1&cursor=c1',
    ]);
  });
});

describe('schedules', () => {
  it('names a per-tenant row by its tenant and an installation-wide one by its id alone', async () => {
    const row = { id: 'nightly', tenant: 'acme' };
    const { fetch, calls, requests } = scripted([
      { status: 200, body: row },
      { status: 200, body: row },
      { status: 201, body: { job } },
      { status: 201, body: { jobs: [job, job] } },
    ]);
    const schedules = createStintClient({ baseUrl: 'http://x', token: 't', fetch }).schedules;
    await schedules.get(row);
    await schedules.update('nightly', { planning: { type: 'disabled' } });
    expect(await schedules.runNow({ id: 'purge', tenant: null })).toEqual(job);
    expect(await schedules.runMany([row, 'purge'])).toEqual([job, job]);
    expect(calls).toEqual([
      'http://x/api/schedules/nightly?tenant=acme',
      'http://x/api/schedules/nightly',
      'http://x/api/schedules/purge/run',
      'http://x/api/schedules/run',
    ]);
    expect(requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'POST', 'POST']);
    expect(requests[1]!.body).toEqual({ planning: { type: 'disabled' } });
    expect(requests[3]!.body).toEqual({ schedules: [row, { id: 'purge', tenant: null }] });
  });

  it('follows the cursors of the list and of the runs', async () => {
    const { fetch, calls } = scripted([
      { status: 200, body: { items: [{ id: 'a' }], nextCursor: 'c1' } },
      { status: 200, body: { items: [{ id: 'b' }], nextCursor: null } },
      { status: 200, body: { items: [{ id: 'j1' }], nextCursor: 'c2' } },
      { status: 200, body: { items: [{ id: 'j2' }], nextCursor: null } },
    ]);
    const schedules = createStintClient({ baseUrl: 'http://x', token: 't', fetch }).schedules;
    const ids: string[] = [];
    for await (const row of schedules.list({ status: ['warnings', 'failed'], size: 1 })) ids.push(row.id);
    for await (const run of schedules.runs({ id: 'nightly', tenant: 'acme' }, { status: 'success' })) ids.push(run.id);
    expect(ids).toEqual(['a', 'b', 'j1', 'j2']);
    expect(calls).toEqual([
      'http://x/api/schedules?status=warnings%2Cfailed&size=1',
      'http://x/api/schedules?status=warnings%2Cfailed&size=1&cursor=c1',
      'http://x/api/schedules/nightly/runs?status=success&tenant=acme',
      'http://x/api/schedules/nightly/runs?status=success&tenant=acme&cursor=c2',
    ]);
  });
});
