import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCursors } from '@stint/core/query/cursor';
import { eventually } from '../support/gate.ts';
import { launchBrowser, screenshots, signIn, WIDE } from './browser.ts';
import { ADMIN_TOKEN, startWebStack, type WebStack } from './web-stack.ts';
import { engineInternals } from '@stint/core/testing';

// The callbacks given to page.evaluate run in the page; the project compiles without DOM types.
declare const document: any;
declare const window: any;
declare const getComputedStyle: any;

const ACME = { id: 'nightly-export', tenant: 'acme' };

let web: WebStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [web, browser] = await Promise.all([startWebStack(), launchBrowser()]);
  // Tenants appear with their first job, and their schedule rows with them.
  const jobs = await Promise.all(
    ['acme', 'globex'].map((tenant) => web.submit({ type: 'EXECUTE_LISTENER', tenant, label: `first of ${tenant}`, data: { listenerName: 'seed', ms: 0 } })),
  );
  await Promise.all(jobs.map((job) => eventually(async () => (await web.api('GET', `/api/jobs/${job.id}`)).status === 'FINISHED', 20_000)));
  page = await browser.newPage({ viewport: WIDE });
  await signIn(page, web.url, ADMIN_TOKEN);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

const rowRefs = () => page.$$eval('#schedules-body tr', (rows) => rows.map((row) => row.getAttribute('data-ref')));
const stored = () => web.stack.runtime.engine.schedules.get(ACME, { allTenants: true }, 'test');

describe('the schedules list in a browser', () => {
  it('lists every row with its execution, planning and next run', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await page.waitForURL(/\/schedules$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Scheduled jobs');
    expect(await rowRefs()).toEqual(['exports-cleanup', 'nightly-export:acme', 'nightly-export:globex']);
    const acme = page.locator('tr[data-ref="nightly-export:acme"]');
    expect(await acme.locator('td').allTextContents()).toEqual(expect.arrayContaining(['Per tenant', 'acme', 'Automatic']));
    // Next run: 02:00 Paris is 00:00 or 01:00 UTC, the zone the browser reads times in.
    expect(await acme.locator('td').last().textContent()).toMatch(/^\d{4}-\d{2}-\d{2} 0[01]:00:00$/);
    expect(await page.locator('tr[data-ref="exports-cleanup"] td').last().textContent()).toMatch(/04:30:00$/);
    expect(await page.getByRole('button', { name: 'Run now' }).isDisabled()).toBe(true);
    await screenshots(page, 'schedules');
    expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
  });

  it('runs the ticked schedule now, and the run appears in the jobs list', async () => {
    await page.getByRole('checkbox', { name: 'Select nightly-export of acme' }).check();
    expect(await page.locator('#selection-count').textContent()).toBe('1 schedule selected');
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/started=/);
    const started = page.locator('#started');
    expect(await started.textContent()).toContain('Started 1 run:');
    const jobId = new URL(page.url()).searchParams.get('started')!;
    expect(await started.getByRole('link', { name: 'Export records from companies' }).getAttribute('href')).toBe(`/jobs/${jobId}`);

    await started.getByRole('link', { name: 'Show them in the jobs list' }).click();
    await page.waitForURL(/\/jobs$/);
    expect(await page.locator(`#jobs-body tr[data-id="${jobId}"] .col-job a`).textContent()).toBe('Export records from companies');
    await eventually(async () => (await web.api('GET', `/api/jobs/${jobId}`)).status === 'FINISHED', 20_000);
  });

  it('filters by identifier as one types, and by the status icons', async () => {
    await page.goto(`${web.url}/schedules`);
    await expect.poll(rowRefs).toContain('nightly-export:acme');
    expect(await page.locator('tr[data-ref="nightly-export:acme"] .run-icon').getAttribute('aria-label')).toBe('Last run: Succeeded');

    await page.getByRole('searchbox', { name: 'Identifier contains' }).fill('clean');
    await expect.poll(rowRefs).toEqual(['exports-cleanup']);
    expect(new URL(page.url()).search).toBe('?q=clean');
    await page.getByRole('searchbox', { name: 'Identifier contains' }).fill('');
    await expect.poll(rowRefs).toHaveLength(3);

    // Icons pressed show their rows; releasing all but "Succeeded" leaves the row that succeeded.
    for (const name of ['Running', 'Succeeded with warnings', 'Failed', 'Outcome unknown']) {
      await page.locator('.status-toggle', { hasText: new RegExp(`^${name}$`) }).click();
    }
    await expect.poll(rowRefs).toEqual(['nightly-export:acme']);
    expect(new URL(page.url()).searchParams.get('status')).toBe('success');
    expect(await page.getByRole('checkbox', { name: 'Failed' }).isChecked()).toBe(false);
    await page.locator('.status-toggle', { hasText: /^Failed$/ }).click();
    await expect.poll(rowRefs).toEqual(['nightly-export:acme']);
    await page.reload();
    expect(await page.getByRole('checkbox', { name: 'Failed' }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Running' }).isChecked()).toBe(false);
    await page.goto(`${web.url}/schedules`);
  });

  it('opens the last run’s logs from the dark logs icon, which then turns read', async () => {
    const icon = page.locator('tr[data-ref="nightly-export:acme"] .logs-icon');
    expect(await icon.getAttribute('class')).toContain('logs-icon--unread');
    await icon.click();
    const dialog = page.getByRole('dialog', { name: 'Logs of Export records from companies' });
    await dialog.waitFor();
    await expect.poll(() => dialog.locator('#log-dialog-body .log-message').first().textContent()).toMatch(/records of companies exported/);
    expect(new URL(page.url()).pathname).toBe('/schedules');
    await expect.poll(() => icon.getAttribute('class')).toBe('logs-icon');
    await screenshots(page, 'schedules-logs');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await dialog.isVisible()).toBe(false);
    await page.reload();
    expect(await icon.getAttribute('class')).toBe('logs-icon');
  });
});

describe('a schedule’s window in a browser', () => {
  it('shows the Information tab first, identifier and description read-only', async () => {
    await page.locator('tr[data-ref="nightly-export:acme"] .col-job a').click();
    await page.waitForURL(/\/schedules\/nightly-export\?tenant=acme$/);
    const information = page.getByRole('tab', { name: 'Information' });
    expect(await information.getAttribute('aria-selected')).toBe('true');
    const panel = page.getByRole('tabpanel', { name: 'Information' });
    expect(await panel.locator('#schedule-id').textContent()).toBe('nightly-export');
    expect(await panel.locator('#schedule-description').textContent()).toContain('Exports the companies records');
    expect(await panel.locator('input:not([type="hidden"]), textarea').count()).toBe(2);
    await screenshots(page, 'schedule-information');
  });

  it('saves report recipients, and shows a bad address next to the field', async () => {
    await page.getByLabel('Send the report when a run ends').check();
    await page.getByLabel('Recipient addresses').fill('ops@example.com\nnope');
    await page.getByRole('button', { name: 'Save report settings' }).click();
    await page.locator('#recipients-error').waitFor();
    expect(await page.locator('#recipients-error').textContent()).toContain('“nope”');
    expect(await page.getByLabel('Recipient addresses').getAttribute('aria-invalid')).toBe('true');
    expect((await stored()).report.recipients).toEqual([]);

    await page.getByLabel('Recipient addresses').fill('ops@example.com, Lead@example.com');
    await page.getByRole('button', { name: 'Save report settings' }).click();
    await page.getByText('Report settings saved.').waitFor();
    expect(await page.getByLabel('Recipient addresses').inputValue()).toBe('ops@example.com\nlead@example.com');
    expect(await page.getByLabel('Send the report when a run ends').isChecked()).toBe(true);
    expect((await stored()).report).toEqual({ enabled: true, recipients: ['ops@example.com', 'lead@example.com'] });
  });

  it('switches to a scheduled planning with days and times; the next run follows', async () => {
    const before = (await stored()).nextRunAt;
    await page.getByRole('tab', { name: 'Scheduling' }).click();
    expect(new URL(page.url()).searchParams.get('tab')).toBe('scheduling');
    const panel = page.getByRole('tabpanel', { name: 'Scheduling' });
    expect(await panel.isVisible()).toBe(true);
    expect(await page.getByRole('tabpanel', { name: 'Information' }).isVisible()).toBe(false);
    expect(await panel.locator('#automatic-planning').textContent()).toContain('0 2 * * *');
    // Days and times count only when scheduled; until then they are greyed out.
    expect(await panel.getByRole('checkbox', { name: 'Monday' }).isDisabled()).toBe(true);

    await panel.getByRole('radio', { name: /Scheduled/ }).check();
    await panel.getByRole('checkbox', { name: 'Monday' }).check();
    await panel.getByRole('checkbox', { name: 'Wednesday' }).check();
    await panel.getByLabel('Time 1', { exact: true }).fill('06:30');
    await panel.getByRole('button', { name: 'Add a time' }).click();
    await panel.getByLabel('Time 2', { exact: true }).fill('21:00');
    await panel.getByLabel('Time zone').fill('Europe/Paris');
    await panel.getByRole('button', { name: 'Save scheduling' }).click();
    await page.getByText('Scheduling saved.').waitFor();

    const row = await stored();
    expect(row.planning).toEqual({ type: 'scheduled', days: ['mon', 'wed'], times: ['06:30', '21:00'], timeZone: 'Europe/Paris' });
    expect(row.nextRunAt).not.toBe(before);
    const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(row.nextRunAt!);
    expect(paris).toMatch(/^(Mon|Wed) (06:30|21:00)$/);
    const shown = page.getByRole('tabpanel', { name: 'Scheduling' });
    expect(await shown.locator('#next-run time').getAttribute('datetime')).toBe(new Date(row.nextRunAt!).toISOString());
    expect(await shown.locator('#current-planning').textContent()).toContain('Mon, Wed at 06:30, 21:00 (Europe/Paris)');
    expect(await shown.getByLabel('Time 2', { exact: true }).inputValue()).toBe('21:00');
    await screenshots(page, 'schedule-scheduling');
  });

  it('shows invalid input next to its field and saves nothing', async () => {
    const panel = page.getByRole('tabpanel', { name: 'Scheduling' });
    await panel.getByRole('checkbox', { name: 'Monday' }).uncheck();
    await panel.getByRole('checkbox', { name: 'Wednesday' }).uncheck();
    await panel.getByRole('button', { name: 'Save scheduling' }).click();
    const error = page.locator('#days-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('Must list at least one day of the week');
    expect(await page.getByRole('tabpanel', { name: 'Scheduling' }).isVisible()).toBe(true);
    expect((await stored()).planning).toMatchObject({ days: ['mon', 'wed'] });
    await screenshots(page, 'schedule-invalid');
  });

  it('lists the latest executions and opens one’s logs in the popup', async () => {
    await page.goto(`${web.url}/schedules/nightly-export?tenant=acme`);
    const tab = page.getByRole('tab', { name: 'Information' });
    await tab.focus();
    await page.keyboard.press('End');
    expect(await page.getByRole('tab', { name: 'Latest executions' }).getAttribute('aria-selected')).toBe('true');
    const panel = page.getByRole('tabpanel', { name: 'Latest executions' });
    const runs = panel.locator('#runs-body tr');
    expect(await runs.count()).toBe(1);
    expect(await runs.first().locator('.run-icon').getAttribute('aria-label')).toBe('Succeeded');

    await panel.getByRole('checkbox', { name: 'Succeeded', exact: true }).uncheck();
    await panel.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/runStatus=/);
    expect(await page.getByText('No executions match these filters.').isVisible()).toBe(true);
    await page.goBack();

    await page
      .getByRole('tabpanel', { name: 'Latest executions' })
      .getByRole('link', { name: /^Logs of / })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Logs of Export records from companies' });
    await dialog.waitFor();
    await expect.poll(() => dialog.locator('#log-dialog-body tr').count()).toBe(1);
    await screenshots(page, 'schedule-runs-logs');
    await page.keyboard.press('Escape');
    expect(await dialog.isVisible()).toBe(false);
  });

  it('shows a running execution blinking, and follows its logs live in the popup', async () => {
    // A run slowed down for the test: one log line every 1.5 s, linked to the schedule as its runs
    // are, by its job's scheduleId and the schedule's run record.
    const { job } = await web.stack.runtime.engine.submit({
      type: 'EXECUTE_LISTENER',
      tenant: 'acme',
      label: 'Slow run',
      data: { listenerName: 'tail', ms: 1500 },
      scheduleId: 'nightly-export',
    });
    await engineInternals(web.stack.runtime.engine).schedules.history.started('nightly-export', job);
    await eventually(async () => (await web.api('GET', `/api/jobs/${job.id}`)).status === 'RUNNING', 20_000);
    await page.goto(`${web.url}/schedules/nightly-export?tenant=acme&tab=runs`);
    const row = page.locator(`#runs-body tr[data-id="${job.id}"]`);
    expect(await row.locator('.run-icon').getAttribute('aria-label')).toBe('Running');
    expect(await row.locator('.run-icon__dot').evaluate((dot: any) => getComputedStyle(dot).animationName)).toBe('blink');

    await row.getByRole('link', { name: 'Logs of Slow run' }).click();
    const dialog = page.getByRole('dialog', { name: 'Logs of Slow run' });
    await dialog.waitFor();
    expect(await dialog.locator('#log-dialog-state').textContent()).toBe('(following new lines)');
    // The three lines arrive one by one while the popup is open, newest first.
    await expect
      .poll(() => dialog.locator('#log-dialog-body .log-message').allTextContents(), { timeout: 15_000 })
      .toEqual(['listener tail: notify done', 'listener tail: process done', 'listener tail: prepare done']);
    await expect.poll(() => dialog.locator('#log-dialog-status').textContent(), { timeout: 10_000 }).toBe('Finished');
    await dialog.getByRole('button', { name: 'Close' }).click();
    // The table behind it caught up with the end of the run.
    await expect.poll(() => row.getAttribute('data-run-status'), { timeout: 10_000 }).toBe('success');
  });

  it('is linked from the run’s job page', async () => {
    const { items } = await web.stack.runtime.engine.schedules.runs(ACME, { allTenants: true }, { status: null, size: 1, cursor: null }, openCursors);
    await page.goto(`${web.url}/jobs/${items[0]!.id}`);
    await page.locator('#field-schedule').getByRole('link', { name: 'nightly-export' }).click();
    await page.waitForURL(/\/schedules\/nightly-export\?tenant=acme$/);
  });
});
