import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '@stint/core/auth/key-store';
import { LogStore } from '@stint/core/store/log-store';
import { createMonitorPages, webAssetFiles } from '@stint/web';
import { eventually } from '../support/gate.ts';
import { placeJob } from '../support/jobs.ts';
import { ADMIN_TOKEN, signInCookie, startWebStack, type WebStack } from './web-stack.ts';
import { engineInternals } from '@stint/core/testing';

const XSS_LABEL = '<img src=x onerror=alert(1)>';
const LOCAL = 'http://localhost';

let web: WebStack;
let admin: string;
let xssJobId: string;

const signIn = (token: string) => signInCookie(web, token);

const get = (path: string, cookie?: string) => web.app.request(path, { headers: cookie ? { cookie } : {} });

function csrfOf(html: string): string {
  return /<meta name="stint-csrf" content="([^"]+)"/.exec(html)![1]!;
}

beforeAll(async () => {
  web = await startWebStack();
  xssJobId = (await web.submit({ type: 'EXECUTE_LISTENER', label: XSS_LABEL, data: { listenerName: 'pages', ms: 0 } })).id;
  await eventually(async () => (await web.api('GET', `/api/jobs/${xssJobId}`)).status === 'FINISHED', 20_000);
  admin = await signIn(ADMIN_TOKEN);
});
afterAll(() => web?.stop());

/**
 * A parent's start an hour from now: it stays PENDING while its children are submitted. Run at
 * once, it could end with the children submitted so far (they take no time) and refuse the
 * next one as a child of an ended job (409).
 */
const anHourOn = () => new Date(Date.now() + 3_600_000).toISOString();
describe('signing in', () => {
  it('sends a page without a session to sign in, and back afterwards', async () => {
    const response = await get('/jobs?status=RUNNING');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/sign-in?next=%2Fjobs%3Fstatus%3DRUNNING');
  });

  it('sets an HttpOnly, SameSite=Strict cookie that does not hold the token', async () => {
    const response = await web.app.request('/sign-in', {
      method: 'POST',
      headers: { origin: LOCAL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    expect(response.headers.get('location')).toBe('/jobs');
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^stint-session=.*; HttpOnly; SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    expect(Buffer.from(cookie.split('=')[1]!.split('.')[0]!, 'base64url').toString()).not.toContain(ADMIN_TOKEN);
  });

  it('uses a Secure __Host- cookie away from loopback', async () => {
    const response = await web.app.request('https://monitor.example.com/sign-in', {
      method: 'POST',
      headers: { origin: 'https://monitor.example.com', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    expect(response.headers.get('set-cookie')).toMatch(/^__Host-stint-session=.*; Secure; SameSite=Strict/);
  });

  it('refuses an unknown key with a message and no cookie', async () => {
    const response = await web.app.request('/sign-in', {
      method: 'POST',
      headers: { origin: LOCAL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'stint_not-a-key-that-exists' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('not accepted');
  });

  it('refuses a sign-in form posted from another site', async () => {
    const response = await web.app.request('/sign-in', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    expect(response.status).toBe(403);
  });

  it('ends a key’s sessions when the key is revoked', async () => {
    const keys = new ApiKeyStore(web.stack.clients.dynamo, web.stack.runtime.config.tableName);
    const { key, info } = await keys.create({ name: 'soon revoked', role: 'tenant-admin', tenant: 'default' });
    const cookie = await signIn(key);
    expect((await get('/jobs', cookie)).status).toBe(200);
    await keys.revoke(info.id);
    expect((await get('/jobs', cookie)).status).toBe(302);
  });

  it('signs out only from its own page', async () => {
    const cookie = await signIn(ADMIN_TOKEN);
    const csrf = csrfOf(await (await get('/jobs', cookie)).text());
    const post = (form: Record<string, string>) =>
      web.app.request('/sign-out', {
        method: 'POST',
        headers: { cookie, origin: LOCAL, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
    expect((await post({ csrf: 'wrong' })).status).toBe(403);
    const out = await post({ csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^stint-session=; Max-Age=0/);
  });
});

describe('pages', () => {
  it('carry the security headers, with a CSP that allows no inline script or style', async () => {
    const response = await get('/jobs', admin);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+="/i);
    expect(html).not.toMatch(/\sstyle="/);
  });

  it('list root jobs, and child jobs only when asked for', async () => {
    const parent = await web.submit({ type: 'EXECUTE_LISTENER', label: 'tree root', data: { listenerName: 'tree', ms: 0 }, runAt: anHourOn() });
    await web.submit({ type: 'EXECUTE_LISTENER', label: 'adopted child', parentId: parent.id, data: { listenerName: 'child', ms: 0 } });
    const roots = await (await get('/jobs', admin)).text();
    expect(roots).toContain('tree root');
    expect(roots).not.toContain('adopted child');
    const all = await (await get('/jobs?children=true', admin)).text();
    expect(all).toContain('adopted child');
    expect(all).toMatch(/name="children" value="true" checked/);
    // The cards count what the list shows: this file's only child job is counted with children only.
    const total = (html: string) => Number(/id="count-total">([\d,]+)</.exec(html)![1]!.replaceAll(',', ''));
    expect(total(all) - total(roots)).toBe(1);
  });

  it('leave the api’s responses to the api', async () => {
    // The api's headers admit its reference page's inline style by hash; the monitor's would not.
    const response = await web.app.request('/api/docs');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-security-policy')).toMatch(/style-src 'self' 'sha256-/);
  });

  it('show a label as text, escaped, on the list and the detail page', async () => {
    for (const path of ['/jobs', `/jobs/${xssJobId}`]) {
      const html = await (await get(path, admin)).text();
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(html).not.toContain('<img src=x');
    }
  });

  it('redirect a submitted filter form to the canonical URL', async () => {
    const response = await get('/jobs?q=&type=EXECUTE_LISTENER&status=RUNNING&status=FINISHED&sort=date&hasErrors=', admin);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/jobs?type=EXECUTE_LISTENER&status=RUNNING,FINISHED');
  });

  it('explain a filter that cannot be applied', async () => {
    const response = await get('/jobs?status=DONE', admin);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('status must be one of PENDING, RUNNING, FINISHED, STOPPING, STOPPED, CANCELING, CANCELED; got &quot;DONE&quot;');
  });

  it('offer a Download button for a job that produced a file, which the session can follow', async () => {
    // EXPORT_JOBS is the job that sets resultFile; system jobs are listed only on request.
    const job = await web.submit({ type: 'EXPORT_JOBS', data: { filter: {} } });
    await eventually(async () => (await web.api('GET', `/api/jobs/${job.id}`)).resultFile !== null, 20_000);
    const html = await (await get(`/jobs/${job.id}`, admin)).text();
    expect(html).toContain(`href="/api/jobs/${job.id}/download"`);
    const download = await get(`/api/jobs/${job.id}/download`, admin);
    expect(download.status).toBe(302);
    expect(download.headers.get('location')).toContain('jobs-export.csv');
  });

  it('give an admin a Tenant column, a tenant’s own key none, and every row its job id', async () => {
    const tenantCell = /<td data-label="Tenant">default<\/td>/;
    const adminList = await (await get('/jobs', admin)).text();
    expect(adminList).toContain('<th scope="col">Tenant</th>');
    expect(adminList).toMatch(tenantCell);
    const own = await (await get('/jobs', await signIn(await web.issueKey('tenant-admin', 'default')))).text();
    expect(own).not.toContain('<th scope="col">Tenant</th>');
    expect(own).not.toMatch(tenantCell);
    // Rows with one label differ by the id shown under it.
    expect(own).toContain(`<span class="job-id">${xssJobId}</span>`);
  });

  it('answer a live refresh with the parts that change, without the logs or the related labels', async () => {
    const parent = await web.submit({ type: 'EXECUTE_LISTENER', label: 'live root', data: { listenerName: 'live', ms: 0 }, runAt: anHourOn() });
    const child = await web.submit({ type: 'EXECUTE_LISTENER', label: 'live child', parentId: parent.id, data: { listenerName: 'live-child', ms: 0 } });
    await eventually(async () => (await web.api('GET', `/api/jobs/${child.id}`)).status === 'FINISHED', 20_000);
    const full = await (await get(`/jobs/${child.id}`, admin)).text();
    const live = await (await web.app.request(`/jobs/${child.id}`, { headers: { cookie: admin, 'x-stint-live': '1' } })).text();
    for (const html of [full, live]) {
      for (const part of ['field-status-badge', 'progress-panel', 'children-slot', 'output-panel', 'errors-slot', 'job-actions'])
        expect(html).toContain(`id="${part}"`);
    }
    expect(full).toContain('listener live-child: notify done');
    expect(live).not.toContain('listener live-child: notify done');
    expect(full).toContain('>live root</a>');
    expect(live).not.toContain('>live root</a>');
  });

  it('read a log period of today in the viewer’s zone, on the page and in the tail it sets up', async () => {
    const HOUR = 3_600_000;
    const now = Date.now();
    const midnightAt = (offsetHours: number) => Math.floor((now + offsetHours * HOUR) / 86_400_000) * 86_400_000 - offsetHours * HOUR;
    // UTC+14 and UTC−12: their midnights are hours apart, so a line at the earlier one is today in one zone only.
    const zones = [
      { name: 'Etc/GMT-14', start: midnightAt(14) },
      { name: 'Etc/GMT+12', start: midnightAt(-12) },
    ].sort((a, b) => a.start - b.start);
    const job = await placeJob(engineInternals(web.stack.runtime.engine).deps.jobs, { type: 'EXECUTE_LISTENER', status: 'STOPPED', tenant: 'default' });
    const logs = new LogStore(web.stack.clients.dynamo, web.stack.runtime.config.tableName);
    const line = { timestamp: zones[0]!.start, level: 'INFO' as const, message: 'said at the earlier midnight', additionalInfo: null };
    await engineInternals(web.stack.runtime.engine).deps.jobs.batchWrite(logs.toItems(job.id, [line]).map((Item) => ({ PutRequest: { Item } })));
    const inZone = async (zone: string) => (await get(`/jobs/${job.id}?period=today`, `${admin}; stint-tz=${encodeURIComponent(zone)}`)).text();
    const earlier = await inZone(zones[0]!.name);
    expect(earlier).toContain(line.message);
    expect(earlier).toContain(`&quot;timeZone&quot;:&quot;${zones[0]!.name}&quot;`);
    expect(await inZone(zones[1]!.name)).not.toContain(line.message);
  });

  it('answer 404 for a job that does not exist', async () => {
    expect((await get('/jobs/no-such-job', admin)).status).toBe(404);
  });

  it('show a viewer no usable operation', async () => {
    const cookie = await signIn(await web.issueKey('viewer', 'default'));
    const html = await (await get('/jobs', cookie)).text();
    expect(html).toContain('Read-only access');
    expect(html).not.toContain('class="row-select"');
    expect(html).not.toContain('id="clear-inactive"');
    expect([...html.matchAll(/<button[^>]*data-op="[^"]+"[^>]*>/g)].every(([tag]) => tag.includes('disabled'))).toBe(true);
  });

  it('list the job types the signed-in person may submit, and no other', async () => {
    const rows = async (cookie: string) =>
      [...(await (await get('/job-types', cookie)).text()).matchAll(/<span class="job-type">([A-Z_]+)<\/span>/g)].map((m) => m[1]);
    const tenantAdmin = await signIn(await web.issueKey('tenant-admin', 'acme'));
    expect(await rows(tenantAdmin)).toEqual(['APPROVED_EXPORT', 'DELETE_RECORDS', 'EXECUTE_ACTION', 'EXECUTE_LISTENER', 'EXPORT_RECORDS', 'IMPORT_RECORDS']);
    expect(await rows(admin)).toEqual(expect.arrayContaining(['PURGE_EXPORTS', 'EXPORT_JOBS']));
    // The engine's own walk of a wide tree is internal: not even an admin submits it.
    expect(await rows(admin)).not.toContain('CASCADE');
    expect(await (await get('/job-types', await signIn(await web.issueKey('viewer', 'acme')))).text()).toContain('Viewers cannot submit jobs.');
  });

  it('say so when a statistics range is empty', async () => {
    const html = await (await get(`/stats?from=${Date.UTC(2001, 0, 1)}&to=${Date.UTC(2001, 0, 2)}`, admin)).text();
    expect(html).toContain('No jobs were created or started in this range');
    expect(html).not.toContain('id="chart-created"');
  });
});

describe('pagers', () => {
  const CHILDREN = 45;
  let parentId: string;
  /** The children's ids newest first: ids start with their creation time, as the index sorts. */
  let newestFirst: string[];

  beforeAll(async () => {
    parentId = (await web.submit({ type: 'EXECUTE_LISTENER', label: 'paged parent', data: { listenerName: 'paged', ms: 0 }, runAt: anHourOn() })).id;
    const ids: string[] = [];
    for (let i = 0; i < CHILDREN; i++) {
      ids.push((await web.submit({ type: 'EXECUTE_LISTENER', label: `paged child ${i}`, parentId, data: { listenerName: 'child', ms: 0 } })).id);
    }
    newestFirst = [...ids].sort().reverse();
  });

  /** Rows of the table in `html` (after `from`, up to the next section end), and its pager links. */
  function pageOf(html: string, from: string) {
    const start = html.indexOf(from);
    const part = html.slice(start, html.indexOf('</section>', start) === -1 ? undefined : html.indexOf('</section>', start));
    const rows = [...part.matchAll(/<tr data-id="([^"]+)"/g)].map((m) => m[1]!);
    const links = Object.fromEntries(
      [...part.matchAll(/<a class="button button--quiet" href="([^"]+)"[^>]*>(First|Previous|Next)<\/a>/g)].map((m) => [m[2]!, m[1]!.replaceAll('&amp;', '&')]),
    );
    return { rows, links: links as Partial<Record<'First' | 'Previous' | 'Next', string>> };
  }

  it('page a job’s children 20 at a time, newest first, with First, Previous and Next', async () => {
    const children = async (path: string) => pageOf(await (await get(path, admin)).text(), 'id="children"');
    const first = await children(`/jobs/${parentId}`);
    expect(first.rows).toEqual(newestFirst.slice(0, 20));
    expect(Object.keys(first.links)).toEqual(['Next']);

    const second = await children(first.links.Next!);
    expect(second.rows).toEqual(newestFirst.slice(20, 40));
    expect(second.links.First).toBe(`/jobs/${parentId}#children`);
    expect(second.links.Previous).toBe(second.links.First);

    const third = await children(second.links.Next!);
    expect(third.rows).toEqual(newestFirst.slice(40));
    expect(Object.keys(third.links)).toEqual(['First', 'Previous']);
    expect((await children(third.links.Previous!)).rows).toEqual(second.rows);
    expect((await children(third.links.First!)).rows).toEqual(first.rows);
  });

  it('page the jobs list by its page size, and come back with Previous', async () => {
    const list = async (path: string) => pageOf(await (await get(path, admin)).text(), '<tbody');
    const first = await list(`/jobs?parentId=${parentId}&_size=25`);
    expect(first.rows).toEqual(newestFirst.slice(0, 25));
    expect(Object.keys(first.links)).toEqual(['Next']);

    const second = await list(first.links.Next!);
    expect(second.rows).toEqual(newestFirst.slice(25));
    expect(Object.keys(second.links)).toEqual(['First', 'Previous']);
    expect((await list(second.links.Previous!)).rows).toEqual(first.rows);
  });
});

describe('the api by session cookie', () => {
  const bulk = (cookie: string, headers: Record<string, string>) =>
    web.app.request('/api/jobs/bulk', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ op: 'set-low-priority', ids: [xssJobId] }),
    });

  it('reads with the cookie alone', async () => {
    expect((await get('/api/summary', admin)).status).toBe(200);
  });

  it('refuses a mutation without the CSRF token or from another origin', async () => {
    const csrf = csrfOf(await (await get('/jobs', admin)).text());
    expect((await bulk(admin, {})).status).toBe(403);
    expect((await bulk(admin, { 'x-csrf-token': 'forged' })).status).toBe(403);
    expect((await bulk(admin, { 'x-csrf-token': csrf, origin: 'https://evil.example' })).status).toBe(403);
    expect((await bulk(admin, { 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const ok = await bulk(admin, { 'x-csrf-token': csrf, origin: LOCAL, 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(200);
  });

  it('answers 401 for an unknown cookie', async () => {
    expect((await get('/api/summary', 'stint-session=forged.value')).status).toBe(401);
  });
});

describe('assets', () => {
  it('serves the page scripts, uPlot and the CSS with types, nosniff and revalidation', async () => {
    for (const [path, type] of [
      ['/assets/js/common.js', 'text/javascript'],
      ['/assets/vendor/uPlot.esm.js', 'text/javascript'],
      ['/assets/monitor.css', 'text/css'],
    ] as const) {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const again = await web.app.request(path, { headers: { 'if-none-match': response.headers.get('etag')! } });
      expect(again.status).toBe(304);
    }
    expect((await get('/assets/../package.json')).status).toBe(404);
  });

  it('serves a bundled deployment’s copy of the files from assetsDir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stint-assets-'));
    try {
      for (const { url, file } of webAssetFiles()) {
        const target = join(dir, url.slice('/assets/'.length));
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(file, target);
      }
      const app = createMonitorPages({
        engine: web.stack.runtime.engine,
        clients: web.stack.clients,
        config: web.stack.runtime.config,
        sessionSecret: 'another-session-secret-for-this-test-only',
        assetsDir: dir,
      });
      expect((await app.request('/assets/vendor/uPlot.esm.js')).status).toBe(200);
      expect((await app.request('/assets/js/jobs-page.js')).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
