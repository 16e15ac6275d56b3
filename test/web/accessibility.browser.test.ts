import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/gate.ts';
import { axeViolations, launchBrowser, NARROW, signIn, WIDE } from './browser.ts';
import { ADMIN_TOKEN, startWebStack, type WebStack } from './web-stack.ts';

let web: WebStack;
let browser: Browser;
let page: Page;
let parentId: string;

beforeAll(async () => {
  [web, browser] = await Promise.all([startWebStack({ seed: true }), launchBrowser()]);
  const parent = await web.submit({ type: 'EXECUTE_ACTION', tenant: 'acme', label: 'Touch Berlin', data: { entityName: 'companies', actionName: 'touch', query: { city: 'Berlin' }, chunkSize: 20 } });
  const failed = await web.submit({ type: 'EXECUTE_ACTION', label: 'Broken action', data: { entityName: 'companies', actionName: 'noSuchAction' } });
  parentId = parent.id;
  await Promise.all([parent, failed].map((job) => eventually(async () => (await web.api('GET', `/api/jobs/${job.id}`)).status === 'FINISHED', 30_000)));
  page = await browser.newPage({ viewport: WIDE });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

const PAGES = [
  ['jobs', () => '/jobs'],
  ['job', () => `/jobs/${parentId}`],
  ['stats', () => '/stats'],
  ['schedules', () => '/schedules'],
  ['schedule information', () => '/schedules/nightly-export?tenant=acme'],
  ['schedule scheduling', () => '/schedules/nightly-export?tenant=acme&tab=scheduling'],
  ['schedule runs', () => '/schedules/nightly-export?tenant=acme&tab=runs'],
  ['api docs', () => '/api/docs'],
] as const;

describe('every page passes axe', () => {
  it('sign-in', async () => {
    await page.goto(`${web.url}/sign-in`);
    expect(await axeViolations(page)).toEqual([]);
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
});
