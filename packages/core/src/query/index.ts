/**
 * `@stint/core/query`: what the monitor reads and how a request asks for it. The reads
 * themselves go through the engine's `monitor` (MonitorReader); this holds their queries'
 * schemas and parsers, the cursor codecs and the CSV rows.
 */
export { csvRow, jobCsvHeader, jobCsvLines, jobCsvRow } from './csv.ts';
export { openCursors, sealedCursors, type CursorCodec } from './cursor.ts';
export type { FindJobsResult } from './job-finder.ts';
export { jobQuerySchema, parseJobQuery, type JobQuery } from './job-query.ts';
export type { FindLogsResult } from './log-finder.ts';
export { logQuerySchema, parseLogQuery, type LogQuery } from './log-query.ts';
export { MonitorReader } from './monitor-reader.ts';
export { intParam, listParam } from './param-schemas.ts';
export {
  parseStatsQuery,
  statsQuerySchema,
  summaryListings,
  summaryQuerySchema,
  type StatsInterval,
  type StatsPoint,
  type StatsResult,
  type Summary,
  type SummaryRead,
} from './stats-reader.ts';
