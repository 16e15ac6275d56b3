/**
 * Issue 11, item 3: app data is tenant-scoped. A job reads and writes only its own tenant's
 * records and files, whatever its data names; the IAM grant it needs is in test/infra.
 */
import { describe, expect, it } from 'vitest';
import { ACME, GLOBEX, useAppStack, type AppStack } from './app-stack.ts';

let s: AppStack;
useAppStack((stack) => (s = stack));

const SEEDED = 45;

const submit = async (token: string, type: string, data: Record<string, unknown>, tenant?: string) => {
  const answer = await s.call('POST', '/api/jobs', token, { type, data, ...(tenant ? { tenant } : {}) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as { id: string };
};

describe('issue 11 item 3: tenant-scoped app data', () => {
  it('lets acme’s EXECUTE_ACTION, EXPORT_RECORDS and DELETE_RECORDS reach acme’s records only', async () => {
    await s.seed(ACME, SEEDED);
    await s.seed(GLOBEX, SEEDED);
    const globexBefore = await s.records(GLOBEX);

    const touching = { entityName: 'companies', actionName: 'slowTouch', params: { ms: 0 }, query: { type: 'a' } };
    await submit(s.tokens.acme, 'EXECUTE_ACTION', touching);
    await s.settle(ACME);
    const exported = await submit(s.tokens.acme, 'EXPORT_RECORDS', { entityName: 'companies' });
    await s.settle(ACME);
    await submit(s.tokens.acme, 'DELETE_RECORDS', { entityName: 'companies' });
    await s.settle(ACME);

    expect(await s.records(ACME)).toEqual([]);
    expect(await s.records(GLOBEX)).toEqual(globexBefore);
    expect(globexBefore.every((r) => r.touchCount === 0)).toBe(true);
    expect((await s.settle(ACME)).find((job) => job.type === 'EXECUTE_ACTION' && job.parentId === null)?.hasErrors).toBe(false);
    const file = (await s.call('GET', `/api/jobs/${exported.id}`, s.tokens.acme)).body.resultFile as string;
    expect(file.startsWith(`exports/${ACME}/`)).toBe(true);
    expect((await s.readFile(file)).trim().split('\r\n')).toHaveLength(1 + SEEDED);
  }, 180_000);

  it('refuses IMPORT_RECORDS of another tenant’s file with 400 naming the field, and imports nothing', async () => {
    await s.putFile(`imports/${GLOBEX}/customers.csv`, 'name,type,city,employees\r\nGlobex secret,a,Paris,3\r\n');
    const answer = await s.call('POST', '/api/jobs', s.tokens.acme, {
      type: 'IMPORT_RECORDS',
      data: { entityName: 'stolen', fileName: `imports/${GLOBEX}/customers.csv` },
    });
    await s.settle(ACME);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ field: 'data.fileName', message: `data.fileName: must be a file under imports/${ACME}/` });
    expect(await s.records(ACME, 'stolen')).toEqual([]);
  });

  it('runs an admin’s PURGE_EXPORTS in a tenant over that tenant’s files only', async () => {
    const acmeFile = `exports/${ACME}/0m0000000000000acmefile/a.csv`;
    const globexFile = `exports/${GLOBEX}/0m00000000000globexfile/b.csv`;
    await s.putFile(acmeFile, 'a');
    await s.putFile(globexFile, 'b');
    await submit(s.tokens.admin, 'PURGE_EXPORTS', { olderThanDays: 0, prefix: '' }, ACME);
    await s.settle(ACME);
    expect([await s.fileExists(acmeFile), await s.fileExists(globexFile)]).toEqual([false, true]);
  });
});
