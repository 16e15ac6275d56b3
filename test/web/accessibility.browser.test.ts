import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/gate.ts';
import { axeViolations, launchBrowser, NARROW, screenshots, signIn, WIDE } from './browser.ts';
import { ADMIN_TOKEN, startWebStack, type WebStack } from './web-stack.ts';

// The callbacks given to page.evaluate run in the page; the project compiles without DOM types.
declare const document: any;
declare const window: any;

/** Every page of the monitor, and the api's reference, in axe-core (WCAG 2.2 A/AA and best practices) and at 390 px. */
let web: WebStack;
let browser: Browser;
let page: Page;
const jobs: Record<'parent' | 'failed', string> = { parent: '', failed: '' };

beforeAll(async () => {
  [web, browser] = await Promise.all([startWebStack({ seed: true }), launchBrowser()]);
  // Two tenants' runs of one type with one label: an admin tells them apart by tenant and id.
  const touch = (tenant: string) =>
    web.submit({
      type: 'EXECUTE_ACTION',
      tenant,
      label: 'Touch Berlin',
      data: { entityName: 'companies', actionName: 'logSomething', query: { city: 'Berlin' }, chunkSize: 100 },
    });
  const [parent] = await Promise.all([touch('acme'), touch('globex')]);
  const failed = await web.submit({ type: 'EXECUTE_ACTION', label: 'Broken action', data: { entityName: 'companies', actionName: 'noSuchAction' } });
  jobs.parent = parent.id;
  jobs.failed = failed.id;
  await Promise.all([parent, failed].map((job) => eventually(async () => (await web.api('GET', `/api/jobs/${job.id}`)).status === 'FINISHED', 120_000)));
  page = await browser.newPage({ viewport: WIDE });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

const PAGES: Array<[string, () => string]> = [
  ['the jobs list', () => '/jobs'],
  ['a parent job', () => `/jobs/${jobs.parent}`],
  ['a failed job', () => `/jobs/${jobs.failed}`],
  ['the statistics', () => '/stats'],
  ['the schedules list', () => '/schedules'],
  ['a schedule’s Information tab', () => '/schedules/nightly-export?tenant=acme'],
  ['a schedule’s Scheduling tab', () => '/schedules/nightly-export?tenant=acme&tab=scheduling'],
  ['a schedule’s Latest executions tab', () => '/schedules/nightly-export?tenant=acme&tab=runs'],
  ['the api reference', () => '/api/docs'],
];

describe('every page passes axe with no violation, at 1280 and 390 px', () => {
  it('the sign-in page', async () => {
    await page.goto(`${web.url}/sign-in`);
    for (const size of [WIDE, NARROW]) {
      await page.setViewportSize(size);
      expect(await axeViolations(page), `${size.width} px`).toEqual([]);
    }
    await page.setViewportSize(WIDE);
    await signIn(page, web.url, ADMIN_TOKEN);
  });

  it.each(PAGES)('%s', async (_name, path) => {
    await page.goto(`${web.url}${path()}`);
    for (const size of [WIDE, NARROW]) {
      await page.setViewportSize(size);
      expect(await axeViolations(page), `${size.width} px`).toEqual([]);
    }
    await page.setViewportSize(WIDE);
  });

  it('the confirmation dialog, open', async () => {
    await page.goto(`${web.url}/jobs/${jobs.parent}`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('dialog').getByRole('button', { name: 'Go back' }).click();
  });
});

describe('at 390 px wide', () => {
  /** Whether anything scrolls sideways: the document or a table's own scroller. */
  const sideways = () =>
    page.evaluate(() => [
      document.documentElement.scrollWidth > window.innerWidth,
      ...[...document.querySelectorAll('.table-scroll')].map((scroller: any) => scroller.scrollWidth > scroller.clientWidth),
    ]);
  /** Each row's cells, each with its on-screen box, as a reader of the stacked row sees them. */
  const cellsOf = (rowSelector: string) =>
    page.$$eval(rowSelector, (rows) =>
      rows.map((row: any) =>
        [...row.querySelectorAll('td[data-label], th')].map((cell: any) => {
          const box = cell.getBoundingClientRect();
          return { label: cell.dataset.label ?? 'job', text: cell.textContent.trim(), left: box.left, right: box.right };
        }),
      ),
    );

  it('the jobs list shows every cell of a row on screen, Status and Tenant included, with no sideways scrolling', async () => {
    await page.setViewportSize(NARROW);
    await page.goto(`${web.url}/jobs?q=Touch+Berlin`);
    expect(await sideways()).toEqual([false, false]);
    const rows = await cellsOf('#jobs-body tr');
    expect(rows).toHaveLength(2);
    for (const cells of rows) {
      for (const cell of cells) {
        expect(cell.left, cell.label).toBeGreaterThanOrEqual(0);
        expect(cell.right, cell.label).toBeLessThanOrEqual(NARROW.width);
      }
      expect(cells.find((cell) => cell.label === 'Status')?.text).toBe('Finished');
    }
    // Same label, told apart by tenant and id.
    const tenants = rows.map((cells) => cells.find((cell) => cell.label === 'Tenant')?.text);
    expect(tenants.sort()).toEqual(['acme', 'globex']);
    const names = rows.map((cells) => cells.find((cell) => cell.label === 'job')!.text);
    expect(new Set(names).size).toBe(2);
    expect(names.every((name) => name.startsWith('Touch BerlinEXECUTE_ACTION'))).toBe(true);
    // Selecting still works from the stacked row.
    await page.locator('#jobs-body tr').first().getByRole('checkbox').check();
    expect(await page.locator('#selection-count').textContent()).toBe('1 job selected');
    await screenshots(page, 'jobs-list-tenants');
  });

  it('the schedules list and a schedule’s executions need no sideways scrolling', async () => {
    await page.setViewportSize(NARROW);
    for (const path of ['/schedules', '/schedules/nightly-export?tenant=acme&tab=runs', `/jobs/${jobs.parent}`]) {
      await page.goto(`${web.url}${path}`);
      expect((await sideways()).some(Boolean), path).toBe(false);
    }
    await page.goto(`${web.url}/schedules`);
    for (const cells of await cellsOf('#schedules-body tr')) {
      for (const cell of cells) expect(cell.right, cell.label).toBeLessThanOrEqual(NARROW.width);
      expect(cells.map((cell) => cell.label)).toEqual(expect.arrayContaining(['Status', 'Tenant', 'Next run']));
    }
  });

  it('keeps the tables’ rows and cells in the accessibility tree once stacked', async () => {
    await page.setViewportSize(NARROW);
    await page.goto(`${web.url}/jobs?q=Touch+Berlin`);
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: Array<{ role?: { value: string }; ignored: boolean }> };
    const roles = nodes.filter((node) => !node.ignored).map((node) => node.role?.value);
    expect(roles.filter((role) => role === 'row').length).toBeGreaterThanOrEqual(3);
    expect(roles.filter((role) => role === 'cell').length).toBeGreaterThanOrEqual(2 * 12);
    expect(roles).toContain('columnheader');
    await cdp.detach();
  });
});
