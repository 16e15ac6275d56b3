import { describe, expect, it } from 'vitest';
import type { Job } from '../job.ts';
import { csvCell, csvDocument, csvRow, jobCsvHeader, jobCsvLines, jobCsvRow } from './csv.ts';

const job: Job = {
  id: 'j1',
  type: 'IMPORT_RECORDS',
  label: 'Import, "big" file',
  status: 'FINISHED',
  tenant: 't',
  system: false,
  createDate: Date.UTC(2025, 0, 2, 3, 4, 5, 6),
  startDate: Date.UTC(2025, 0, 2, 3, 4, 6),
  endDate: Date.UTC(2025, 0, 2, 3, 5),
  waiting: 994,
  duration: 54_000,
  hasErrors: true,
  lowPriority: false,
  runBy: { id: 'u1', name: '=cmd|calc' },
  submittedBy: null,
  progress: 100,
  parentId: null,
  rootId: 'j1',
  data: {},
  results: null,
  childrenProgress: { finished: 0, total: 0 },
  resultFile: null,
  error: null,
  scheduleId: null,
  runAt: null,
  sleepingUntil: null,
  waitingForEvent: null,
  waitingForConcurrency: null,
  attempt: 1,
  version: 3,
};

describe('csv', () => {
  it('quotes commas, quotes and line breaks, doubling quotes', () => {
    expect(csvRow(['a', 'b,c', 'say "hi"', 'x\ny', 'r\rs', ''])).toBe('a,"b,c","say ""hi""","x\ny","r\rs",');
    expect(csvRow([1, -2, true, null, undefined])).toBe('1,-2,true,,');
    expect(csvDocument([['a'], ['b']])).toBe('a\r\nb\r\n');
  });

  it.each([
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@x', "'@x"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=a,b', `"'=a,b"`],
    ['a=b', 'a=b'],
  ])('neutralises a formula start in %j', (input, output) => {
    expect(csvCell(input)).toBe(output);
  });

  it('writes a job row in header order', () => {
    expect(csvRow(jobCsvHeader)).toBe('Name,Status,User,Created,Completed,Id,Type,Errors,Waiting ms,Duration ms');
    expect(csvRow(jobCsvRow(job))).toBe(
      `"Import, ""big"" file",FINISHED,'=cmd|calc,2025-01-02T03:04:05.006Z,2025-01-02T03:05:00.000Z,j1,IMPORT_RECORDS,yes,994,54000`,
    );
    expect(csvRow(jobCsvRow({ ...job, endDate: null, runBy: null, hasErrors: false }))).toMatch(/,FINISHED,,2025-01-02T03:04:05.006Z,,j1,IMPORT_RECORDS,no,/);
  });

  it('streams the header then each page', async () => {
    async function* pages() {
      yield [job];
      yield [];
      yield [{ ...job, id: 'j2', label: 'plain' }];
    }
    const lines: string[] = [];
    for await (const line of jobCsvLines(pages())) lines.push(line);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('Name,Status,User,Created,Completed,Id,Type,Errors,Waiting ms,Duration ms\r\n');
    expect(lines[2]).toMatch(/^plain,FINISHED,.*,j2,.*\r\n$/);
  });
});
