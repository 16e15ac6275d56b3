import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { defineJob, NonRetriableError, type JobLogger } from '@stint/sdk';
import * as z from 'zod';
import { CsvParser, type CsvPosition, type CsvRecord } from '../csv.ts';
import { importFolder, outsideFolder } from '../files.ts';
import { RECORD_TYPES, type RecordFields, type RecordStore } from '../record-store.ts';
import { entityName, parseData, percent, type JobDeps } from './common.ts';

export const IMPORT_RECORDS = 'IMPORT_RECORDS';
export const IMPORT_COLUMNS = ['name', 'type', 'city', 'employees'] as const;
const ROWS_PER_STEP = 100;

const dataSchema = z.object({ entityName, fileName: z.string().min(1) });
export type ImportRecordsData = z.input<typeof dataSchema>;
export interface ImportRecordsResults {
  rowsImported: number;
  rowsWithErrors: number;
}

const rowSchema = z.object({
  name: z.string().trim().min(1, 'name is empty').max(200),
  type: z.enum(RECORD_TYPES, { error: `type must be one of ${RECORD_TYPES.join(', ')}` }),
  city: z.string().trim().min(1, 'city is empty').max(100),
  employees: z
    .string()
    .trim()
    .regex(/^\d{1,9}$/, 'employees must be a whole number')
    .transform(Number),
});

interface Header {
  /** Column index of each expected column. */
  columns: Record<(typeof IMPORT_COLUMNS)[number], number>;
  width: number;
  size: number;
  /** Offsets saved by earlier steps are only meaningful in the same version of the file. */
  etag: string | undefined;
  start: CsvPosition;
}

interface Batch {
  imported: number;
  withErrors: number;
  next: CsvPosition;
}

/**
 * Each step reads the object from its own byte offset (a ranged GET) and stops after
 * ROWS_PER_STEP rows, returning where the next step starts. A replay therefore skips the
 * finished steps without touching S3, and the file is never held in memory.
 */
export function importRecordsJob(deps: JobDeps) {
  return defineJob<ImportRecordsData, ImportRecordsResults>({
    type: IMPORT_RECORDS,
    description: 'Imports a CSV file of records (name, type, city, employees) from the tenant’s imports/<tenant>/ folder.',
    access: { submit: 'tenant-admin', intake: true },
    // Importing again reads the file from its first row; a record's id is the job's and the line's,
    // so the rows overwrite their own records instead of doubling them.
    restartable: true,
    label: (data) => `Import records into ${data.entityName} from ${data.fileName}`,
    // Refused at submission too, so a key of another tenant answers 400 and makes no job.
    checkData: (data, job) => {
      const problem = typeof data.fileName === 'string' ? outsideFolder(data.fileName, importFolder(job.tenant)) : undefined;
      return problem ? { field: 'fileName', message: problem } : undefined;
    },
    async run(ctx) {
      const data = parseData(dataSchema, ctx.data, IMPORT_RECORDS);
      // Checked again here: a restarted or spawned job did not pass through submission.
      const outside = outsideFolder(data.fileName, importFolder(ctx.job.tenant));
      if (outside) throw new NonRetriableError(`fileName ${data.fileName} ${outside}`);
      const records = deps.records(ctx.job.tenant);
      const header = await ctx.step('read-header', () => readHeader(deps, data.fileName));

      const totals = { rowsImported: 0, rowsWithErrors: 0 };
      let at = header.start;
      for (let step = 1; at.offset < header.size; step++) {
        const batch: Batch = await ctx.step(`rows-${step}`, async () => {
          const { rows, next } = await readRows(deps, data.fileName, header.etag, at, ROWS_PER_STEP);
          return importRows(records, ctx.log, data.entityName, ctx.job.id, header, rows, next);
        });
        totals.rowsImported += batch.imported;
        totals.rowsWithErrors += batch.withErrors;
        at = batch.next;
        ctx.progress(percent(at.offset, header.size));
      }
      await ctx.step('report', () => {
        ctx.log.info(`${totals.rowsImported} rows imported into ${data.entityName}, ${totals.rowsWithErrors} with errors`);
        return null;
      });
      ctx.setResults(totals);
    },
  });
}

async function readHeader(deps: JobDeps, fileName: string): Promise<Header> {
  const { size, etag } = await describeObject(deps, fileName);
  if (size === 0) throw new NonRetriableError(`${fileName} is empty; expected a header ${IMPORT_COLUMNS.join(',')}`);
  const { rows, next } = await readRows(deps, fileName, etag, { offset: 0, line: 1 }, 1);
  const fields = rows[0]?.fields ?? [];
  // Spreadsheet tools often write a byte order mark before the first column name.
  const names = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim().toLowerCase());
  if (rows[0]?.error) throw new NonRetriableError(`${fileName}: the header line cannot be read: ${rows[0].error}`);
  const missing = IMPORT_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new NonRetriableError(`${fileName}: the header must name the columns ${IMPORT_COLUMNS.join(',')}; missing ${missing.join(', ')}`);
  }
  const columns = Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, names.indexOf(c)])) as Header['columns'];
  return { columns, width: names.length, size, etag, start: next };
}

async function importRows(
  records: RecordStore,
  log: JobLogger,
  entity: string,
  jobId: string,
  header: Header,
  rows: CsvRecord[],
  next: CsvPosition,
): Promise<Batch> {
  const valid: Array<RecordFields & { id: string }> = [];
  let withErrors = 0;
  for (const row of rows) {
    const problem = row.error ?? (row.fields.length !== header.width ? `expected ${header.width} fields, found ${row.fields.length}` : undefined);
    const parsed = problem ? undefined : rowSchema.safeParse(pick(row.fields, header.columns));
    if (!parsed?.success) {
      withErrors++;
      const reason = problem ?? parsed?.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      log.error(`line ${row.line}: ${reason}`, { line: row.line });
      continue;
    }
    // The id comes from the job and the line, so a step that runs again overwrites its own rows.
    valid.push({ id: `${jobId}-${String(row.line).padStart(7, '0')}`, ...parsed.data });
  }
  await records.putMany(entity, valid);
  return { imported: valid.length, withErrors, next };
}

function pick(fields: string[], columns: Header['columns']) {
  return Object.fromEntries(Object.entries(columns).map(([name, index]) => [name, fields[index] ?? '']));
}

async function describeObject(deps: JobDeps, key: string): Promise<{ size: number; etag: string | undefined }> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucketName, Key: key }));
    return { size: head.ContentLength ?? 0, etag: head.ETag };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NotFound' || name === 'NoSuchKey') throw new NonRetriableError(`file ${key} not found`, { cause: error });
    throw error;
  }
}

/** Streams the object from `from` and stops once `maxRows` rows (or the end) are parsed. */
async function readRows(deps: JobDeps, key: string, etag: string | undefined, from: CsvPosition, maxRows: number) {
  const out = await deps.s3
    .send(
      new GetObjectCommand({
        Bucket: deps.bucketName,
        Key: key,
        Range: `bytes=${from.offset}-`,
        ...(etag ? { IfMatch: etag } : {}),
      }),
    )
    .catch((error: Error) => {
      if (error.name !== 'PreconditionFailed') throw error;
      throw new NonRetriableError(`${key} was replaced while it was being imported`, { cause: error });
    });
  const parser = new CsvParser(from);
  const rows: CsvRecord[] = [];
  const body = out.Body as AsyncIterable<Uint8Array> | undefined;
  if (!body) throw new Error(`S3 returned no body for ${key}`);
  let ended = true;
  for await (const chunk of body) {
    rows.push(...parser.push(chunk));
    // Leaving the loop destroys the stream, so the rest of the object is not downloaded.
    if (rows.length >= maxRows) {
      ended = false;
      break;
    }
  }
  if (ended) rows.push(...parser.end());
  const taken = rows.slice(0, maxRows);
  const last = taken.at(-1);
  // With no row left, the rest was blank lines: the cursor moves to the end.
  const next: CsvPosition = ended && taken.length === rows.length ? parser.position() : last ? { offset: last.endOffset, line: last.endLine } : from;
  return { rows: taken, next };
}
