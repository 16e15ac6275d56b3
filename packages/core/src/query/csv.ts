import type { Job } from '../job.ts';

/**
 * CSV as RFC 4180 has it (CRLF line ends, quotes doubled inside quoted cells), made safe to
 * open in a spreadsheet: a text cell that starts like a formula gets a leading apostrophe, as
 * OWASP recommends for CSV injection. Labels, users and types are user input; a label such as
 * `=HYPERLINK(...)` must reach the spreadsheet as text.
 */

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  // Numbers we write are our own (durations, counts), never a formula; a negative one stays a number.
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, without its line end. */
export function csvRow(cells: readonly CsvCell[]): string {
  return cells.map(csvCell).join(',');
}

/** Records joined by CRLF, with a CRLF after the last one. */
export function csvDocument(rows: ReadonlyArray<readonly CsvCell[]>): string {
  return rows.map((row) => `${csvRow(row)}\r\n`).join('');
}

export const jobCsvHeader = ['Name', 'Status', 'User', 'Created', 'Completed', 'Id', 'Type', 'Errors', 'Waiting ms', 'Duration ms'] as const;

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** A job as an export row, in `jobCsvHeader` order; the status as the API names it. */
export function jobCsvRow(job: Job): CsvCell[] {
  return [
    job.label,
    job.status,
    job.runBy?.name ?? '',
    iso(job.createDate),
    iso(job.endDate),
    job.id,
    job.type,
    job.hasErrors ? 'yes' : 'no',
    job.waiting,
    job.duration,
  ];
}

/** Streams an export: the header, then a CRLF-terminated line per job, page by page. */
export async function* jobCsvLines(pages: AsyncIterable<Job[]>): AsyncGenerator<string, void, undefined> {
  yield `${csvRow(jobCsvHeader)}\r\n`;
  for await (const page of pages) {
    for (const job of page) yield `${csvRow(jobCsvRow(job))}\r\n`;
  }
}
