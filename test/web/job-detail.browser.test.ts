import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/gate.ts';
import { launchBrowser, screenshots, signIn, WIDE } from './browser.ts';
import { ADMIN_TOKEN, startWebStack, type WebStack } from './web-stack.ts';

// The callbacks given to page.evaluate run in the page; the project compiles without DOM types.
declare const document: any;
declare const window: any;
declare const MutationObserver: any;

let web: WebStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [web, browser] = await Promise.all([startWebStack({ seed: true }), launchBrowser()]);
  page = await browser.newPage({ viewport: WIDE });
  await signIn(page, web.url, ADMIN_TOKEN);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

const finished = (id: string) => eventually(async () => ['FINISHED', 'CANCELED'].includes((await web.api('GET', `/api/jobs/${id}`)).status), 30_000);

describe('a job’s page in a browser', () => {
  it('tails a running job’s log: each new line shows within 2 s, without reloading', async () => {
    // One line per step, 2.5 s apart: each must arrive through the tail, not the first render.
    const job = await web.submit({ type: 'EXECUTE_LISTENER', label: 'Tail me', data: { listenerName: 'tail', ms: 2500 } });
    await page.goto(`${web.url}/jobs/${job.id}`);
    await page.evaluate(() => {
      const w = window as unknown as { arrivals: Record<string, number>; sameDocument: boolean };
      w.sameDocument = true;
      w.arrivals = {};
      const record = () => {
        for (const row of document.querySelectorAll('#log-body tr')) w.arrivals[row.querySelector('.log-message')!.textContent!] ??= Date.now();
      };
      record();
      new MutationObserver(record).observe(document.getElementById('log-body')!, { childList: true });
    });
    await finished(job.id);
    await page.waitForFunction(() => document.querySelectorAll('#log-body tr').length >= 3, undefined, { timeout: 5_000 });

    const { arrivals, sameDocument } = await page.evaluate(() => {
      const w = window as unknown as { arrivals: Record<string, number>; sameDocument?: boolean };
      return { arrivals: w.arrivals, sameDocument: w.sameDocument };
    });
    expect(sameDocument).toBe(true);
    const lines = (await web.api('GET', `/api/jobs/${job.id}/logs`)).items as Array<{ message: string; timestamp: number }>;
    expect(lines.map((line) => line.message).sort()).toEqual(['listener tail: notify done', 'listener tail: prepare done', 'listener tail: process done']);
    for (const line of lines) {
      expect(arrivals[line.message], line.message).toBeDefined();
      expect(arrivals[line.message]! - line.timestamp, line.message).toBeLessThan(2_000);
    }
    // Newest first, as the page lists them.
    expect(await page.locator('#log-body tr .log-message').first().textContent()).toBe('listener tail: notify done');
    await expect.poll(() => page.locator('#field-status-badge').textContent(), { timeout: 5_000 }).toBe('Finished');
    // The output arrived with the status, from the same refresh, still without a reload.
    const output = page.getByRole('region', { name: 'Output' });
    await expect.poll(() => output.locator('pre').textContent(), { timeout: 5_000 }).toContain('"stepsCompleted": 3');
    expect(await page.locator('#field-progress .progress__text').textContent()).toBe('100%');
    expect(await page.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await screenshots(page, 'job-detail');
  });

  it('keeps progress, children, buttons and feedback live through stop and cancel, without reloading', async () => {
    // 10 children (200 Berlin records, 20 a child), 300 ms a record: a parent that reports no progress itself.
    const parent = await web.submit({
      type: 'EXECUTE_ACTION',
      label: 'Live tree',
      data: { entityName: 'companies', actionName: 'slowTouch', params: { ms: 300 }, query: { city: 'Berlin' }, chunkSize: 20 },
    });
    await eventually(async () => (await web.api('GET', `/api/jobs/${parent.id}`)).childrenProgress.total > 0, 60_000);
    await page.goto(`${web.url}/jobs/${parent.id}`);
    await page.evaluate(() => ((window as { sameDocument?: boolean }).sameDocument = true));
    const toolbar = page.getByRole('toolbar', { name: 'Operations on this job' });
    const button = (name: string) => toolbar.getByRole('button', { name, exact: true });
    const feedback = toolbar.getByRole('status');

    // Progress: the share of children that ended, as the count beside it says.
    await expect.poll(() => page.locator('#field-children').textContent(), { timeout: 60_000 }).toMatch(/^[1-9]\d* \/ 10$/);
    // Both read at once: a refresh between two reads could move one of them.
    const [count, shown] = await page.evaluate(() => [
      document.getElementById('field-children').textContent,
      document.querySelector('#field-progress .progress__text').textContent,
    ]);
    expect(shown).toBe(`${Number(count.split(' / ')[0]) * 10}%`); // 10 children: each one that ends is 10 %

    // The low-priority buttons follow the flag; the outcome is said in the toolbar, not at the top.
    expect(await button('Remove low priority').isDisabled()).toBe(true);
    await button('Set low priority').click();
    await expect.poll(() => feedback.textContent(), { timeout: 10_000 }).toBe('Set low priority: done for 1 job.');
    await expect.poll(() => page.locator('#field-low-priority').textContent(), { timeout: 5_000 }).toBe('Low');
    expect(await button('Set low priority').isDisabled()).toBe(true);
    expect(await button('Remove low priority').isEnabled()).toBe(true);
    expect(await page.locator('#notice').textContent()).toBe('');
    const [bar, said] = await Promise.all([toolbar.boundingBox(), feedback.boundingBox()]);
    expect(said!.y).toBeGreaterThanOrEqual(bar!.y);
    expect(said!.y + said!.height).toBeLessThanOrEqual(bar!.y + bar!.height);
    expect(said!.y + said!.height).toBeLessThanOrEqual(WIDE.height);

    await button('Stop').click();
    await expect.poll(() => page.locator('#field-status-badge').textContent(), { timeout: 10_000 }).toBe('Stopped');
    expect(await button('Cancel').isEnabled()).toBe(true);
    await button('Cancel').click();
    // The dialog names the job that will go.
    expect(await page.getByRole('dialog').getByRole('heading').textContent()).toBe('Cancel “Live tree”?');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel job' }).click();
    await expect.poll(() => feedback.textContent(), { timeout: 10_000 }).toBe('Cancel: done for 1 job.');
    await expect.poll(() => page.locator('#field-status-badge').textContent(), { timeout: 10_000 }).toBe('Canceled');
    // The cascade ends the children after their parent: the panel follows them to the end.
    const childStatuses = () => page.locator('#children tbody .badge').allTextContents();
    await expect.poll(async () => new Set(await childStatuses()), { timeout: 60_000 }).toEqual(new Set(['Finished', 'Canceled']));
    expect(await childStatuses()).toHaveLength(10);
    expect(await button('Delete').isEnabled()).toBe(true);
    for (const name of ['Stop', 'Resume', 'Cancel', 'Set low priority', 'Remove low priority']) expect(await button(name).isDisabled(), name).toBe(true);
    expect(await page.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await screenshots(page, 'job-tree-canceled');
  }, 240_000);

  it('runs an export only once it is approved: the page says what it waits on, then offers the download, without reloading', async () => {
    const job = await web.submit({ type: 'APPROVED_EXPORT', label: 'Export awaiting approval', data: { entityName: 'companies' } });
    await page.goto(`${web.url}/jobs/${job.id}`);
    const waitingOn = page.locator('#field-waiting-on');
    await expect.poll(() => waitingOn.textContent(), { timeout: 20_000 }).toContain(`event export.approved (key ${job.id})`);
    expect(await page.locator('#field-status-badge').textContent()).toBe('Running');

    const sent = await web.api('POST', '/api/events', { name: 'export.approved', key: job.id, data: { by: 'ann' }, tenant: 'default' });
    expect(sent).toMatchObject({ woken: 1 });
    await expect.poll(() => page.locator('#field-status-badge').textContent(), { timeout: 30_000 }).toBe('Finished');
    expect(await waitingOn.textContent()).toBe('—');
    await expect.poll(() => page.locator(`#job-actions a#download[href="/api/jobs/${job.id}/download"]`).count()).toBe(1);
    const done = await web.api('GET', `/api/jobs/${job.id}`);
    expect(done).toMatchObject({ hasErrors: false, results: { recordsExported: expect.any(Number) } });
    expect(done.results.recordsExported).toBeGreaterThan(0);
  });

  it('shows a failed job’s error in a red panel', async () => {
    const job = await web.submit({ type: 'EXECUTE_ACTION', label: 'Broken action', data: { entityName: 'companies', actionName: 'noSuchAction' } });
    await finished(job.id);
    await page.goto(`${web.url}/jobs/${job.id}`);
    const panel = page.getByRole('region', { name: 'Error(s)' });
    expect(await panel.textContent()).toContain('unknown action "noSuchAction"');
    await screenshots(page, 'job-failed');
  });

  it('retries a failed import once its file is there: Retry beside the job, then attempt 2 finishes', async () => {
    const fileName = 'imports/default/arrives-later.csv';
    const job = await web.submit({
      type: 'IMPORT_RECORDS',
      tenant: 'default',
      label: 'Import that waits for its file',
      data: { entityName: 'companies', fileName },
    });
    await finished(job.id);
    await page.goto(`${web.url}/jobs/${job.id}`);
    const retry = page.locator('button[data-op="retry"]');
    expect(await page.getByRole('region', { name: 'Error(s)' }).textContent()).toContain('not found');
    expect(await retry.isEnabled()).toBe(true);
    expect(await page.locator('button[data-op="restart"]').isEnabled()).toBe(true);

    const body = 'name,type,city,employees\nLater Ltd,c,Berlin,12\n';
    await web.stack.clients.s3.send(new PutObjectCommand({ Bucket: web.stack.provisioned.bucketName, Key: fileName, Body: body }));
    await retry.click();

    await expect.poll(() => page.locator('.toolbar__feedback').textContent(), { timeout: 10_000 }).toBe('Retry: done for 1 job.');
    await expect.poll(() => page.locator('#field-status-badge').textContent(), { timeout: 30_000 }).toBe('Finished');
    expect(await page.locator('#field-attempt').textContent()).toContain('2 (retried 1×');
    expect(await page.locator('#field-errors').textContent()).not.toContain('Yes');
    // Finished without errors: nothing left to retry.
    expect(await retry.isEnabled()).toBe(false);
    const lines = (await web.api('GET', `/api/jobs/${job.id}/logs?_size=50`)).items as Array<{ message: string }>;
    expect(lines.map((line) => line.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^job failed: file .* not found/), expect.stringMatching(/^attempt 2: /)]),
    );
  });

  it('gives a viewer no enabled operation', async () => {
    const key = await web.issueKey('viewer', 'default');
    const context = await browser.newContext({ viewport: WIDE });
    const viewer = await context.newPage();
    await signIn(viewer, web.url, key);
    const enabled = (p: Page) => p.locator('button[data-op]:enabled, #clear-inactive, .row-select').count();
    expect(await viewer.locator('button[data-op]').count()).toBe(9);
    expect(await enabled(viewer)).toBe(0);
    expect(await viewer.getByText('Read-only access').isVisible()).toBe(true);
    await viewer.getByRole('link', { name: 'Tail me' }).click();
    await viewer.waitForURL(/\/jobs\/.+/);
    expect(await enabled(viewer)).toBe(0);
    await context.close();
  });

  it('draws the statistics after jobs ran', async () => {
    await page.goto(`${web.url}/stats?range=1h`);
    const canvas = page.locator('#chart-created canvas');
    await canvas.waitFor();
    const painted = await canvas.evaluate((node: any) => {
      const pixels = node.getContext('2d')!.getImageData(0, 0, node.width, node.height).data;
      let count = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) count++;
      return count;
    });
    expect(painted).toBeGreaterThan(500);
    expect(await page.locator('#chart-waiting canvas').count()).toBe(1);
    expect(Number(await page.locator('.card__value').first().textContent())).toBeGreaterThanOrEqual(2);
    await screenshots(page, 'stats');
  });
});
