import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import { jobCsvHeader } from '@stint/core/query/csv';
import { eventually } from '../support/gate.ts';
import { launchBrowser, rowStatuses, screenshots, signIn, WIDE } from './browser.ts';
import { ADMIN_TOKEN, startWebStack, type WebStack } from './web-stack.ts';

// The callbacks given to page.evaluate run in the page; the project compiles without DOM types.
declare const document: any;
declare const window: any;

const XSS_LABEL = '<img src=x onerror=alert(1)>';
/** 10 chunks of 20 records, 400 ms a record: running for a while, stoppable between records. */
const slowTouch = (label: string) => ({
  type: 'EXECUTE_ACTION',
  label,
  data: { entityName: 'companies', actionName: 'slowTouch', params: { ms: 400 }, query: { city: 'Berlin' }, chunkSize: 20 },
});

let web: WebStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  [web, browser] = await Promise.all([startWebStack({ seed: true }), launchBrowser()]);
  context = await browser.newContext({ viewport: WIDE, acceptDownloads: true });
  page = await context.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

// Stopping waits for each job's step boundary, which a loaded machine can stretch.
async function refreshUntil(check: (statuses: Record<string, string>) => boolean, timeoutMs = 60_000) {
  await eventually(async () => {
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await page.waitForTimeout(300);
    return check(await rowStatuses(page));
  }, timeoutMs);
}

describe('the jobs list in a browser', () => {
  it('signs in with a pasted key and lands on the list', async () => {
    await page.goto(`${web.url}/jobs`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await screenshots(page, 'sign-in');
    await signIn(page, web.url, ADMIN_TOKEN);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Jobs');
  });

  it('filters by status and type, and the URL shows the view', async () => {
    const listener = await web.submit({ type: 'EXECUTE_LISTENER', label: 'Quick listener', data: { listenerName: 'quick', ms: 0 } });
    const running = await web.submit(slowTouch('Filter me'));
    await eventually(async () => (await web.api('GET', `/api/jobs/${listener.id}`)).status === 'FINISHED', 20_000);
    await eventually(async () => (await web.api('GET', `/api/jobs/${running.id}`)).status === 'RUNNING', 20_000);

    await page.goto(`${web.url}/jobs`);
    await page.getByRole('checkbox', { name: 'Running' }).check();
    await page.getByLabel('Type').selectOption('EXECUTE_ACTION');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=RUNNING/);
    const query = new URL(page.url()).searchParams;
    expect(query.get('status')).toBe('RUNNING');
    expect(query.get('type')).toBe('EXECUTE_ACTION');
    const statuses = await rowStatuses(page);
    expect(statuses['Filter me']).toBe('Running');
    expect(Object.values(statuses).every((status) => status === 'Running')).toBe(true);
    expect(statuses).not.toHaveProperty('Quick listener');

    await page.getByRole('link', { name: 'Failed', exact: true }).click();
    await page.waitForURL(/hasErrors=true/);
    expect(new URL(page.url()).searchParams.get('status')).toBe('FINISHED');
    await web.api('POST', `/api/jobs/${running.id}/stop`);
  });

  it('stops two running jobs, asks before canceling, and resumes them', async () => {
    const jobs = await Promise.all([web.submit(slowTouch('Stop me A')), web.submit(slowTouch('Stop me B'))]);
    await eventually(async () => {
      const states = await Promise.all(jobs.map((job) => web.api('GET', `/api/jobs/${job.id}`)));
      return states.every((job) => job.status === 'RUNNING');
    }, 20_000);
    await page.goto(`${web.url}/jobs?q=Stop+me`);
    const stop = page.getByRole('button', { name: 'Stop', exact: true });
    const resume = page.getByRole('button', { name: 'Resume', exact: true });
    expect(await stop.isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: 'Select Stop me A' }).check();
    await page.getByRole('checkbox', { name: 'Select Stop me B' }).check();
    expect(await page.locator('#selection-count').textContent()).toBe('2 jobs selected');
    expect(await stop.isEnabled()).toBe(true);
    expect(await resume.isDisabled()).toBe(true);

    await stop.click();
    await expect.poll(() => page.locator('#operation-feedback').textContent(), { timeout: 15_000 }).toBe('Stop: done for 2 jobs.');
    await refreshUntil((s) => s['Stop me A'] === 'Stopped' && s['Stop me B'] === 'Stopped');

    // Both are still selected after the refresh; Cancel asks first and says what is lost.
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByRole('heading').textContent()).toBe('Cancel 2 jobs?');
    expect(await dialog.textContent()).toContain('cannot be resumed');
    await dialog.getByRole('button', { name: 'Go back' }).click();
    expect(await dialog.isVisible()).toBe(false);

    expect(await resume.isEnabled()).toBe(true);
    await resume.click();
    await expect.poll(() => page.locator('#operation-feedback').textContent(), { timeout: 15_000 }).toBe('Resume: done for 2 jobs.');
    await refreshUntil((s) => ['Pending', 'Running'].includes(s['Stop me A']!) && ['Pending', 'Running'].includes(s['Stop me B']!));
    await Promise.all(jobs.map((job) => web.api('POST', `/api/jobs/${job.id}/stop`)));
  }, 180_000);

  it('says an outcome beside the jobs acted on, notes a failure in its row, and enables low priority by the flag', async () => {
    const stopped = await Promise.all([web.submit(slowTouch('Feedback A')), web.submit(slowTouch('Feedback B'))]);
    await Promise.all(stopped.map((job) => web.api('POST', `/api/jobs/${job.id}/stop`)));
    await eventually(
      async () => (await Promise.all(stopped.map((job) => web.api('GET', `/api/jobs/${job.id}`)))).every((job) => job.status === 'STOPPED'),
      30_000,
    );
    // Newer rows above them, so the two are far down the page.
    const quick = await Promise.all(
      Array.from({ length: 12 }, (_, i) => web.submit({ type: 'EXECUTE_LISTENER', label: `Feedback ${i}`, data: { listenerName: `feedback-${i}`, ms: 0 } })),
    );
    await Promise.all(quick.map((job) => eventually(async () => (await web.api('GET', `/api/jobs/${job.id}`)).status === 'FINISHED', 30_000)));
    await page.goto(`${web.url}/jobs?q=Feedback`);
    const toolbar = page.getByRole('toolbar', { name: 'Operations on the selected jobs' });
    const button = (name: string) => toolbar.getByRole('button', { name, exact: true });
    const feedback = toolbar.getByRole('status');

    const [a, b] = stopped as [Job, Job];
    const boxA = page.getByRole('checkbox', { name: 'Select Feedback A' });
    await boxA.scrollIntoViewIfNeeded();
    await boxA.check();
    await page.getByRole('checkbox', { name: 'Select Feedback B' }).check();
    expect(await button('Set low priority').isEnabled()).toBe(true);
    expect(await button('Remove low priority').isDisabled()).toBe(true);
    // B is canceled elsewhere while this page still shows it stopped: the operation fails for it alone.
    await web.api('POST', `/api/jobs/${b.id}/cancel`);
    await button('Set low priority').click();
    await expect.poll(() => feedback.textContent(), { timeout: 15_000 }).toBe('Set low priority: done for 1 job, failed for 1 (marked in the list).');
    // The toolbar stays in sight while the rows scroll, and with it the outcome.
    const said = (await feedback.boundingBox())!;
    expect(said.y).toBeGreaterThanOrEqual(0);
    expect(said.y + said.height).toBeLessThanOrEqual(WIDE.height);
    expect(await page.locator('#notice').textContent()).toBe('');
    expect(await page.locator(`tr[data-id="${b.id}"] .row-note`).textContent()).toContain(`cannot set-low-priority job ${b.id}: it is CANCELED`);
    expect(await page.locator(`tr[data-id="${a.id}"] .row-note`).count()).toBe(0);

    // A now has the flag: Set would change nothing, Remove applies.
    await page.getByRole('checkbox', { name: 'Select Feedback B' }).uncheck();
    expect(await button('Set low priority').isDisabled()).toBe(true);
    expect(await button('Remove low priority').isEnabled()).toBe(true);
    await web.api('POST', `/api/jobs/${a.id}/cancel`);
  });

  it('rebuilds rows that read exactly like the server’s', async () => {
    // Ended jobs, whose cells no longer tick; one a failure, one with the same label as another.
    const jobs = await Promise.all([
      web.submit({ type: 'EXECUTE_LISTENER', label: 'Twin row', data: { listenerName: 'twin-1', ms: 0 } }),
      web.submit({ type: 'EXECUTE_LISTENER', label: 'Twin row', data: { listenerName: 'twin-2', ms: 0 } }),
      web.submit({ type: 'EXECUTE_ACTION', label: 'Twin failure', data: { entityName: 'companies', actionName: 'noSuchAction' } }),
    ]);
    await Promise.all(jobs.map((job) => eventually(async () => (await web.api('GET', `/api/jobs/${job.id}`)).status === 'FINISHED', 30_000)));
    await page.goto(`${web.url}/jobs?q=Twin`);
    expect(await page.locator('#jobs-body tr').count()).toBe(3);
    const same = await page.evaluate(async () => {
      const before = [...document.querySelectorAll('#jobs-body tr')].map((row) => row.cloneNode(true));
      document.getElementById('refresh').click();
      while (!document.getElementById('notice').textContent.includes('up to date')) await new Promise((resolve) => setTimeout(resolve, 50));
      const after = [...document.querySelectorAll('#jobs-body tr')];
      return {
        count: after.length === before.length,
        equal: after.map((row, i) => row.isEqualNode(before[i]) || `${before[i].outerHTML}\n!=\n${row.outerHTML}`),
      };
    });
    expect(same.count).toBe(true);
    expect(same.equal.filter((result: unknown) => result !== true)).toEqual([]);
  });

  it('keeps the cards on what the list shows through a refresh, and names the count Clear inactive removes', async () => {
    // With children shown, the cards count children too, after a refresh as on the first render.
    const tree = await web.submit({
      type: 'EXECUTE_ACTION',
      label: 'Cards tree',
      data: { entityName: 'companies', actionName: 'slowTouch', params: { ms: 0 }, query: { city: 'Madrid' }, chunkSize: 50 },
    });
    await eventually(async () => (await web.api('GET', `/api/jobs/${tree.id}`)).status === 'FINISHED', 60_000);
    expect((await web.api('GET', '/api/summary?children=true')).total).toBeGreaterThan((await web.api('GET', '/api/summary')).total);
    await page.goto(`${web.url}/jobs?children=true`);
    // Total only: it moves with creations and deletions, not as other tests' jobs end meanwhile.
    const total = async () => (await page.locator('#count-total').textContent())?.trim();
    const totalWithChildren = async () => ((await web.api('GET', '/api/summary?children=true')).total as number).toLocaleString('en-US');
    expect(await total()).toBe(await totalWithChildren());
    await page.evaluate(async () => {
      document.getElementById('notice').textContent = '';
      document.getElementById('refresh').click();
      while (!document.getElementById('notice').textContent.includes('up to date')) await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect(await total()).toBe(await totalWithChildren());

    const roots = await web.api('GET', '/api/summary');
    const ended = roots.completed + roots.failed + roots.canceled;
    await page.goto(`${web.url}/jobs`);
    await page.locator('#clear-inactive').click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByRole('heading').textContent()).toBe(`Clear ${ended} inactive job${ended === 1 ? '' : 's'}?`);
    await dialog.getByRole('button', { name: 'Go back' }).click();
  });

  it('pauses auto refresh while the page is hidden', async () => {
    const watched = await context.newPage();
    await watched.clock.install();
    await watched.goto(`${web.url}/jobs`);
    const fetches: string[] = [];
    watched.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/jobs') fetches.push(request.url());
    });
    const setHidden = (hidden: boolean) =>
      watched.evaluate((value) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);

    await watched.getByRole('button', { name: /Auto refresh/ }).click();
    expect(await watched.getByRole('button', { name: /Auto refresh/ }).getAttribute('aria-pressed')).toBe('true');
    await watched.clock.runFor(15_500);
    await expect.poll(() => fetches.length, { timeout: 5_000 }).toBe(1);

    await setHidden(true);
    await watched.clock.runFor(60_000);
    await watched.waitForTimeout(500);
    expect(fetches).toHaveLength(1);

    await setHidden(false);
    await expect.poll(() => fetches.length, { timeout: 5_000 }).toBe(2);
    await watched.getByRole('button', { name: /Auto refresh/ }).click();
    await watched.close();
  });

  it('exports the listed jobs as CSV with the seeds’ columns', async () => {
    await page.goto(`${web.url}/jobs?q=Stop+me`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('jobs-export.csv');
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(jobCsvHeader.join(','));
    expect(lines[0]!.startsWith('Name,Status,User,Created,Completed')).toBe(true);
    expect(
      lines
        .slice(1)
        .map((line) => line.split(',')[0])
        .sort(),
    ).toEqual(['Stop me A', 'Stop me B']);
  });

  it('shows a hostile label as text and runs none of it', async () => {
    const job = await web.submit({ type: 'EXECUTE_LISTENER', label: XSS_LABEL, data: { listenerName: 'xss', ms: 0 } });
    await page.goto(`${web.url}/jobs?q=onerror`);
    const link = page.locator('#jobs-body .col-job a');
    expect(await link.textContent()).toBe(XSS_LABEL);
    // Rows rebuilt by the script from the api's JSON must be just as inert.
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 10_000 }).toContain('up to date');
    expect(await link.textContent()).toBe(XSS_LABEL);
    expect(await page.locator('main img').count()).toBe(0);
    await page.goto(`${web.url}/jobs/${job.id}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(XSS_LABEL);
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('looks right at 1280 and 390 pixels wide', async () => {
    await page.goto(`${web.url}/jobs`);
    await screenshots(page, 'jobs-list');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
  });
});
