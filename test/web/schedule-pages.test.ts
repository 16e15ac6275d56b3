import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/gate.ts';
import { ADMIN_TOKEN, signInCookie, startWebStack, type WebStack } from './web-stack.ts';

const LOCAL = 'http://localhost';
const ADMIN_SCOPE = { allTenants: true } as const;

let web: WebStack;
let admin: string;
let tenantAdmin: string;
let viewer: string;

const signIn = (token: string) => signInCookie(web, token);

const get = (path: string, cookie: string) => web.app.request(path, { headers: { cookie } });
const html = async (path: string, cookie: string) => (await get(path, cookie)).text();
const csrfOf = (page: string) => /<meta name="stint-csrf" content="([^"]+)"/.exec(page)![1]!;

/** Posts a form as the page would: same origin, the session's CSRF token unless told otherwise. */
async function post(path: string, cookie: string, form: Array<[string, string]>, csrf?: string) {
  const token = csrf ?? csrfOf(await html('/schedules', cookie));
  return web.app.request(path, {
    method: 'POST',
    headers: { cookie, origin: LOCAL, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['csrf', token], ...form]),
  });
}

/** The identifier and tenant of each row of the list. */
function rowsOf(page: string): string[] {
  return [...page.matchAll(/<tr data-ref="([^"]+)"/g)].map((match) => match[1]!).sort();
}

const finished = (id: string) => eventually(async () => (await web.api('GET', `/api/jobs/${id}`)).status === 'FINISHED', 20_000);

beforeAll(async () => {
  web = await startWebStack();
  // Tenants appear in the directory with their first job; their schedule rows follow.
  const jobs = await Promise.all(
    ['acme', 'globex'].map((tenant) => web.submit({ type: 'EXECUTE_LISTENER', tenant, label: `first of ${tenant}`, data: { listenerName: 'seed', ms: 0 } })),
  );
  await Promise.all(jobs.map((job) => finished(job.id)));
  [admin, tenantAdmin, viewer] = await Promise.all([
    signIn(ADMIN_TOKEN),
    web.issueKey('tenant-admin', 'acme').then(signIn),
    web.issueKey('viewer', 'acme').then(signIn),
  ]);
});
afterAll(() => web?.stop());

describe('the schedules list', () => {
  it('shows an admin every tenant’s rows and the installation’s, with their next runs', async () => {
    const page = await html('/schedules', admin);
    expect(rowsOf(page)).toEqual(['exports-cleanup', 'nightly-export:acme', 'nightly-export:globex']);
    expect(page).toContain('<a href="/schedules" aria-current="page">');
    // Never run: no status icon, no logs icon; the next run is a date.
    const rows = /<tbody id="schedules-body">(.*?)<\/tbody>/s.exec(page)![1]!;
    expect(rows).not.toContain('class="run-icon');
    expect(rows).not.toContain('data-log-job');
    expect([...rows.matchAll(/<time datetime="/g)].length).toBe(3);
  });

  it('shows a tenant admin only their tenant’s rows: no installation row, no other tenant', async () => {
    const page = await html('/schedules', tenantAdmin);
    expect(rowsOf(page)).toEqual(['nightly-export:acme']);
    expect(page).not.toContain('exports-cleanup');
    expect(page).not.toContain('globex');
    expect(page).toContain('id="run-now"');
  });

  it('keeps a tenant admin out of the installation’s and other tenants’ windows', async () => {
    expect((await get('/schedules/exports-cleanup', tenantAdmin)).status).toBe(404);
    expect((await get('/schedules/nightly-export?tenant=globex', tenantAdmin)).status).toBe(404);
    const own = await get('/schedules/nightly-export', tenantAdmin);
    expect(own.status).toBe(302);
    expect(own.headers.get('location')).toBe('/schedules/nightly-export?tenant=acme');
    expect((await get('/schedules/no-such-schedule', admin)).status).toBe(404);
  });

  it('gives a viewer their tenant’s rows and no write control', async () => {
    const page = await html('/schedules', viewer);
    expect(rowsOf(page)).toEqual(['nightly-export:acme']);
    expect(page).toContain('Read-only access');
    expect(page).not.toContain('class="row-select"');
    expect(page).not.toContain('id="run-now"');
    const window = await html('/schedules/nightly-export?tenant=acme', viewer);
    expect(window).not.toMatch(/<button type="submit" class="button button--primary">Save/);
    expect([...window.matchAll(/<fieldset class="plain"( disabled="")?/g)].every((match) => match[1] !== undefined)).toBe(true);
    const refused = await post('/schedules', viewer, [['schedule', 'nightly-export:acme']], csrfOf(page));
    expect(refused.status).toBe(403);
    const save = await post(
      '/schedules/nightly-export?tenant=acme',
      viewer,
      [
        ['form', 'planning'],
        ['planning', 'disabled'],
      ],
      csrfOf(page),
    );
    expect(save.status).toBe(403);
  });

  it('filters by identifier and by last-run status, with canonical URLs', async () => {
    expect(rowsOf(await html('/schedules?q=CLEAN', admin))).toEqual(['exports-cleanup']);
    const all = await get('/schedules?status=running&status=success,failed,warnings,unknown&q=', admin);
    expect(all.status).toBe(302);
    expect(all.headers.get('location')).toBe('/schedules');
    expect(rowsOf(await html('/schedules?status=failed', admin))).toEqual([]);
    const bad = await get('/schedules?status=done', admin);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('status');
  });

  it('carries no inline script, style or handler', async () => {
    for (const path of ['/schedules', '/schedules/nightly-export?tenant=acme', '/schedules/exports-cleanup?tab=scheduling']) {
      const page = await html(path, admin);
      expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page).not.toMatch(/\son[a-z]+="/i);
      expect(page).not.toMatch(/\sstyle="/);
    }
  });
});

describe('run now', () => {
  it('refuses a post without the session’s token', async () => {
    expect((await post('/schedules', tenantAdmin, [['schedule', 'nightly-export:acme']], 'forged')).status).toBe(403);
  });

  it('asks for a ticked schedule first', async () => {
    const response = await post('/schedules', tenantAdmin, [['view', 'q=night']]);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Tick the schedules to run first.');
  });

  it('starts the ticked runs and names them, with links to their jobs', async () => {
    const response = await post('/schedules', tenantAdmin, [
      ['schedule', 'nightly-export:acme'],
      ['view', 'q=night'],
    ]);
    expect(response.status).toBe(303);
    const location = response.headers.get('location')!;
    expect(location).toMatch(/^\/schedules\?q=night&started=[A-Za-z0-9]+$/);
    const jobId = new URLSearchParams(location.split('?')[1]).get('started')!;
    const page = await html(location, tenantAdmin);
    expect(page).toContain('Started 1 run:');
    expect(page).toContain(`href="/jobs/${jobId}"`);
    expect(page).toContain('Show them in the jobs list');

    const job = await web.api('GET', `/api/jobs/${jobId}`);
    expect(job).toMatchObject({ tenant: 'acme', scheduleId: 'nightly-export', type: 'EXPORT_RECORDS' });
    await finished(jobId);
    expect(await html('/jobs', tenantAdmin)).toContain(job.label);
  });

  it('marks the last run’s logs unread until the viewer opens them', async () => {
    const listed = await html('/schedules', tenantAdmin);
    const jobId = /data-log-job="([^"]+)"/.exec(listed)![1]!;
    expect(listed).toContain('class="logs-icon logs-icon--unread"');
    expect(listed).toContain('run-icon--success');
    // Another viewer's markers are their own.
    expect(await html('/schedules', viewer)).toContain('logs-icon--unread');

    const detail = await html(`/jobs/${jobId}`, tenantAdmin);
    expect(detail).toMatch(/<dt>Schedule<\/dt><dd id="field-schedule"><a href="\/schedules\/nightly-export\?tenant=acme">nightly-export<\/a>/);
    expect(await html('/schedules', tenantAdmin)).not.toContain('logs-icon--unread');

    const seen = (headers: Record<string, string>) =>
      web.app.request(`/jobs/${jobId}/seen`, { method: 'POST', headers: { cookie: viewer, origin: LOCAL, ...headers } });
    expect((await seen({})).status).toBe(403);
    expect((await seen({ 'x-csrf-token': csrfOf(await html('/schedules', viewer)) })).status).toBe(204);
    expect(await html('/schedules', viewer)).not.toContain('logs-icon--unread');
  });
});

describe('the schedule window', () => {
  const path = '/schedules/nightly-export?tenant=acme';
  const stored = () => web.stack.runtime.engine.schedules.get({ id: 'nightly-export', tenant: 'acme' }, ADMIN_SCOPE, 'test');

  it('shows identifier and description read-only, and the three tabs', async () => {
    const page = await html(path, admin);
    expect(page).toContain('<code id="schedule-id">nightly-export</code>');
    expect(page).toContain('Exports the companies records of the tenant');
    expect(page).not.toMatch(/name="(id|description)"/);
    expect([...page.matchAll(/role="tab"/g)]).toHaveLength(3);
    expect(page).toMatch(/id="tab-information"[^>]*aria-selected="true"/);
    expect(page).toMatch(/id="panel-scheduling"[^>]*hidden/);
    expect(await html(`${path}&tab=runs`, admin)).toMatch(/id="panel-runs"(?![^>]*hidden)[^>]*>/);
  });

  it('shows a refused planning next to its field, with what was typed, and changes nothing', async () => {
    const before = await stored();
    const response = await post(path, admin, [
      ['form', 'planning'],
      ['planning', 'scheduled'],
      ['times', '09:30'],
      ['timeZone', 'Europe/Paris'],
    ]);
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toMatch(/<p class="field-error" id="days-error" role="alert">Must list at least one day of the week<\/p>/);
    expect(page).toMatch(/id="panel-scheduling"(?![^>]*hidden)[^>]*>/);
    expect(page).toContain('value="09:30"');
    expect(page).toMatch(/value="scheduled" checked=""/);
    expect((await stored()).planning).toEqual(before.planning);

    const zone = await (
      await post(path, admin, [
        ['form', 'planning'],
        ['planning', 'scheduled'],
        ['days', 'mon'],
        ['times', '09:30'],
        ['timeZone', 'Mars/Olympus'],
      ])
    ).text();
    expect(zone).toContain('id="time-zone-error"');
    expect(zone).toContain('Must be an IANA time zone');
    expect((await stored()).planning).toEqual(before.planning);
  });

  it('saves a scheduled planning and shows its next run', async () => {
    const response = await post(path, admin, [
      ['form', 'planning'],
      ['planning', 'scheduled'],
      ['days', 'tue'],
      ['days', 'thu'],
      ['times', '18:45'],
      ['times', '07:15'],
      ['times', ''],
      ['timeZone', 'UTC'],
    ]);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${path}&tab=scheduling&saved=planning`);
    const row = await stored();
    expect(row.planning).toEqual({ type: 'scheduled', days: ['tue', 'thu'], times: ['07:15', '18:45'], timeZone: 'UTC' });
    const next = new Date(row.nextRunAt!);
    expect([2, 4]).toContain(next.getUTCDay());
    expect(['07:15', '18:45']).toContain(next.toISOString().slice(11, 16));
    const page = await html(response.headers.get('location')!, admin);
    expect(page).toContain('Scheduling saved.');
    expect(page).toContain('Tue, Thu at 07:15, 18:45 (UTC)');
    expect(page).toContain(`datetime="${next.toISOString()}"`);
    expect(await html('/schedules', admin)).toContain('Tue, Thu at 07:15, 18:45 (UTC)');

    expect(
      (
        await post(path, admin, [
          ['form', 'planning'],
          ['planning', 'disabled'],
        ])
      ).status,
    ).toBe(303);
    expect((await stored()).nextRunAt).toBeNull();
    expect(
      (
        await post(path, admin, [
          ['form', 'planning'],
          ['planning', 'automatic'],
        ])
      ).status,
    ).toBe(303);
  });

  it('saves report recipients, and refuses a bad address without saving any', async () => {
    const bad = await post(path, admin, [
      ['form', 'report'],
      ['reportEnabled', 'on'],
      ['recipients', 'ops@example.com\nnot-an-address'],
    ]);
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toMatch(/id="recipients-error" role="alert">[^<]*“not-an-address”/);
    expect(page).toContain('ops@example.com\nnot-an-address</textarea>');
    expect((await stored()).report).toEqual({ enabled: false, recipients: [] });

    const ok = await post(path, admin, [
      ['form', 'report'],
      ['reportEnabled', 'on'],
      ['recipients', 'Ops@Example.com, lead@example.com'],
    ]);
    expect(ok.status).toBe(303);
    expect((await stored()).report).toEqual({ enabled: true, recipients: ['ops@example.com', 'lead@example.com'] });
    expect(await html(ok.headers.get('location')!, admin)).toContain('Report settings saved.');
  });

  it('lists the latest executions, filtered by status', async () => {
    const page = await html(`${path}&tab=runs`, admin);
    expect([...page.matchAll(/<tr data-id="[^"]+" data-run-status="success"/g)]).toHaveLength(1);
    expect(page).toMatch(/data-log-job="[^"]+"[^>]*>Logs</);
    expect(await html(`${path}&tab=runs&runStatus=failed`, admin)).toContain('No executions match these filters.');
  });

  it('still shows a run as it ended once its job is deleted, with no link to the job or its logs', async () => {
    const listed = await html('/schedules', tenantAdmin);
    const jobId = /data-log-job="([^"]+)"/.exec(listed)![1]!;
    await web.api('DELETE', `/api/jobs/${jobId}`);
    const row = /<tr data-ref="nightly-export:acme"[^>]*>(.*?)<\/tr>/s.exec(await html('/schedules', tenantAdmin))!;
    expect(row[0]).toContain('data-run-status="success"');
    expect(row[1]).toContain('aria-label="Last run: Succeeded"');
    expect(row[1]).toMatch(/<time datetime="/);
    expect(row[1]).not.toContain('data-log-job');
    const window = await html(path, admin);
    expect(window).toMatch(/<dt>Last run<\/dt>.*?run-icon--success/s);
    expect(window).not.toContain(`href="/jobs/${jobId}"`);
    const runs = await html(`${path}&tab=runs`, admin);
    expect(runs).toMatch(new RegExp(`<tr data-id="${jobId}" data-run-status="success"`));
    expect(runs).toContain(`${jobId} (job removed)`);
    expect(runs).not.toContain(`data-log-job="${jobId}"`);
  });
});
