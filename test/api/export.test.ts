import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import { ADMIN_TENANT } from '@stint/core/auth/principal';
import { jobCsvHeader } from '@stint/core/query/csv';
import { createApi } from '@stint/functions/api/api';
import { placeJob } from '../support/jobs.ts';
import { startEmulators, type Emulators } from '../support/stack.ts';
import { ADMIN_TOKEN, createApiStack, TENANT_A, type ApiStack } from './api-stack.ts';
import { engineInternals } from '@stint/core/testing';

/** RFC 4180: quoted cells may hold commas, CRLFs and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

let emulators: Emulators;
let api: ApiStack;
beforeAll(async () => {
  emulators = await startEmulators();
  api = await createApiStack(emulators, { limits: { exportInlineRows: 50 } });
});
afterAll(async () => {
  await api?.stack.stop();
  await emulators?.stop();
});

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('GET /api/jobs/export.csv', () => {
  it('sends an attachment with the header row, quoting and formula neutralising', async () => {
    const tenant = 'csv-co';
    const labels = ['plain', 'comma, inside', 'say "hi"', 'two\r\nlines', '=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)'];
    for (const label of labels) await api.call('POST', '/api/jobs', { body: { type: 'QUICK', tenant, label, runBy: { id: 'u', name: '=cmd' } } });

    const response = await api.call('GET', `/api/jobs/export.csv?tenant=${tenant}&sort=name`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="jobs-export.csv"');
    const text = await response.text();
    expect(text).toContain('"comma, inside"');
    expect(text).toContain('"say ""hi"""');
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...jobCsvHeader]);
    expect(rows.map((r) => r[0]).sort()).toEqual(
      ["'+1", "'-2", '\'=HYPERLINK("http://x")', "'@SUM(A1)", 'comma, inside', 'plain', 'say "hi"', 'two\r\nlines'].sort(),
    );
    expect(rows.every((r) => r.length === jobCsvHeader.length && r[1] === 'PENDING' && r[2] === "'=cmd" && r[6] === 'QUICK')).toBe(true);
  });

  it('runs a large export as an EXPORT_JOBS job that streams to S3; the download matches row by row', async () => {
    const tenant = 'big-export';
    for (let i = 0; i < 60; i++) await placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status: 'FINISHED', tenant });

    const accepted = await api.call('GET', `/api/jobs/export.csv?tenant=${tenant}`);
    expect(accepted.status).toBe(202);
    const { job } = (await accepted.json()) as { job: Job };
    expect(job).toMatchObject({ type: 'EXPORT_JOBS', system: true, tenant, status: 'PENDING' });
    expect(accepted.headers.get('location')).toBe(`/api/jobs/${job.id}`);

    await api.stack.runUntil(async () => (await api.stack.engine.get(job.id, { tenant })).status === 'FINISHED');
    const done = await api.stack.engine.get(job.id, { tenant });
    expect(done.hasErrors).toBe(false);
    expect(done.results).toEqual({ fileId: done.resultFile, rowsExported: 60 });

    const redirect = await api.call('GET', `/api/jobs/${job.id}/download`);
    expect(redirect.status).toBe(302);
    const url = new URL(redirect.headers.get('location')!);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
    const file = await fetch(url);
    expect(file.status).toBe(200);
    const exported = parseCsv(await file.text());

    // The same query answered inline by an app without the small threshold.
    const inline = createApi({ engine: api.stack.engine, clients: api.stack.clients, config: api.stack.config, auth: { adminToken: ADMIN_TOKEN } });
    const expected = parseCsv(await (await inline.request(`/api/jobs/export.csv?tenant=${tenant}`, { headers: auth })).text());
    expect(exported).toHaveLength(61);
    expect(exported).toEqual(expected);
  });

  it('keeps an admin’s all-tenant export out of every tenant’s reach', async () => {
    const accepted = await api.call('GET', '/api/jobs/export.csv');
    expect(accepted.status).toBe(202);
    const { job } = (await accepted.json()) as { job: Job };
    expect(job.tenant).toBe(ADMIN_TENANT);
    expect((await api.call('GET', `/api/jobs/${job.id}`, { token: api.tokens.tenantAdminA })).status).toBe(404);
    expect((await api.call('GET', `/api/jobs/${job.id}/download`, { token: api.tokens.viewerA })).status).toBe(404);
    expect((await api.call('GET', `/api/jobs/${job.id}`, { token: api.tokens.adminKey })).status).toBe(200);
  });

  it('refuses a malformed filter with 400', async () => {
    const response = await api.call('GET', '/api/jobs/export.csv?status=DONE');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'badRequest', field: 'status' } });
  });
});

describe('GET /api/jobs/:id/download', () => {
  it('answers 404 for a job without a result file', async () => {
    const job = await placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status: 'FINISHED', tenant: TENANT_A });
    const response = await api.call('GET', `/api/jobs/${job.id}/download`, { token: api.tokens.viewerA });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'notFound', message: `job ${job.id} has no result file` } });
  });
});
