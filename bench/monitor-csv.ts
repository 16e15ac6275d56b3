import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { jobCsvLines, type MonitorReader, openCursors, parseJobQuery } from '@stint/core/query';

/** What the export route and the EXPORT_JOBS job ask for per page. */
const EXPORT_PAGE_SIZE = '1000';
const SAMPLE_MS = 50;
const MB = 1024 * 1024;

export interface CsvFigures {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssGrowthMb: number;
  peakHeapGrowthMb: number;
  /** Heap still held after the export and a full GC: what the export leaks, if anything. */
  retainedHeapMb: number;
}

let gc: (() => void) | undefined;

/**
 * A full GC, so a baseline carries no garbage. `npm run bench` runs without --expose-gc; V8
 * exposes `gc` to contexts created after the flag is set, which is all this needs.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    const global = globalThis as { gc?: () => void };
    if (global.gc === undefined) setFlagsFromString('--expose-gc');
    gc = global.gc ?? (runInNewContext('gc') as () => void);
  }
  gc();
}

/**
 * Streams the CSV of every job of every tenant (user and system jobs, as an admin's unfiltered
 * export) into a sink that only counts, so what memory grows by is the exporter's working set
 * and not the document. Memory is sampled on a timer, and the emulator runs in its own
 * process (monitor-emulators.ts), so what grows here is the exporter: pages, jobs, lines.
 */
export async function measureCsvExport(monitor: MonitorReader): Promise<CsvFigures> {
  const query = parseJobQuery({ system: 'true', _size: EXPORT_PAGE_SIZE });
  collectGarbage();
  const base = process.memoryUsage();
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss - base.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  let bytes = 0;
  let lines = 0;
  const sink = new Writable({
    objectMode: true,
    write(line: string, _encoding, done) {
      bytes += Buffer.byteLength(line);
      lines++;
      done();
    },
  });
  const started = performance.now();
  try {
    const pages = monitor.jobPages({ allTenants: true }, query, openCursors);
    await pipeline(Readable.from(jobCsvLines(pages)), sink);
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  sample();
  const rows = lines - 1; // the header
  collectGarbage();
  const retained = process.memoryUsage().heapUsed - base.heapUsed;
  return {
    rows,
    bytes,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssGrowthMb: peakRss / MB,
    peakHeapGrowthMb: peakHeap / MB,
    retainedHeapMb: retained / MB,
  };
}
