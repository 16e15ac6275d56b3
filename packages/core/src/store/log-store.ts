import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TableGateway } from './table-gateway.ts';
import { jobPartition, logLineKey, logPositionOf, logSortKey } from './table-keys.ts';

export type LogLevel = 'INFO' | 'ERROR';

export interface LogLine {
  timestamp: number;
  level: LogLevel;
  message: string;
  additionalInfo: Record<string, unknown> | null;
  /** Opaque position of the line, usable as a tail cursor. */
  cursor: string;
}

/** A line as a chunk holds it: short names, as each is stored once per line. */
interface StoredLine {
  t: number;
  l: LogLevel;
  m: string;
  i?: Record<string, unknown>;
}

/** A log item: a chunk of lines from one append. */
export interface LogChunkItem {
  pk: string;
  sk: string;
  /** The newest line's time: what a reader of the newest item wants (a run's last log). */
  ts: number;
  lines: StoredLine[];
}

/** Keeps log messages within DynamoDB's item limit with room to spare. */
export const MAX_LOG_MESSAGE = 8_000;
/**
 * A chunk holds at most this many bytes of lines (one write unit per KB, whatever the count of
 * lines), so reading the newest lines of a long log reads a few KB, not the whole append.
 */
export const LOG_CHUNK_BYTES = 16_000;
/**
 * A chunk's lines span at most this long from its first, whose time its key holds: a reader of
 * a time range starts this much earlier, so the chunk holding the range's first lines is read.
 */
export const LOG_CHUNK_SPAN_MS = 60_000;

/**
 * Per-job log lines live in the job's partition, sorted by time, so reading a job's logs
 * newest first is a single Query and deleting a job removes them with it.
 *
 * An append writes its lines as a few chunk items (`LOG_CHUNK_BYTES`, `LOG_CHUNK_SPAN_MS`)
 * rather than an item per line: DynamoDB charges a write unit per item and KB, so a line of a
 * hundred bytes cost a whole unit alone and costs a tenth of one in a chunk. Chunks are never
 * written again, so a line's position (its chunk's key and its index there) is stable and a
 * tail that has seen a chunk's key has seen all of it. Items written before chunks hold one
 * line each (`level`, `message`, `info`) and read as a chunk of one.
 */
export class LogStore {
  #seq = 0;
  readonly #table: TableGateway;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#table = new TableGateway(client, tableName);
  }

  /** Builds the chunk items of one append. The sequence keeps chunks of the same millisecond apart and ordered. */
  toItems(jobId: string, lines: Array<Omit<LogLine, 'cursor'>>): LogChunkItem[] {
    const chunks: StoredLine[][] = [];
    let current: StoredLine[] = [];
    let bytes = 0;
    for (const line of lines) {
      const stored: StoredLine = {
        t: line.timestamp,
        l: line.level,
        m: line.message.slice(0, MAX_LOG_MESSAGE),
        ...(line.additionalInfo ? { i: line.additionalInfo } : {}),
      };
      const size = JSON.stringify(stored).length;
      const first = current[0];
      // A line older than the chunk's first would sit before the chunk's key: it starts a chunk of its own.
      if (first !== undefined && (bytes + size > LOG_CHUNK_BYTES || stored.t - first.t > LOG_CHUNK_SPAN_MS || stored.t < first.t)) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(stored);
      bytes += size;
    }
    if (current.length > 0) chunks.push(current);
    return chunks.map((chunk) => {
      this.#seq = (this.#seq + 1) % 1_000_000;
      return {
        pk: jobPartition(jobId),
        sk: `${logSortKey(chunk[0]!.t, this.#seq)}${randomSuffix()}`,
        ts: Math.max(...chunk.map((line) => line.t)),
        lines: chunk,
      };
    });
  }

  async append(jobId: string, lines: Array<Omit<LogLine, 'cursor'>>): Promise<void> {
    if (lines.length === 0) return;
    await this.#table.batchWrite(this.toItems(jobId, lines).map((Item) => ({ PutRequest: { Item } })));
  }

  /** The lines of a log item, oldest first, each with its position. */
  static linesOf(stored: object): LogLine[] {
    const item = stored as Record<string, unknown>;
    const sk = item.sk as string;
    const lines = item.lines as StoredLine[] | undefined;
    if (lines === undefined) {
      return [
        {
          timestamp: item.ts as number,
          level: item.level as LogLevel,
          message: item.message as string,
          additionalInfo: (item.info as Record<string, unknown> | undefined) ?? null,
          cursor: logPositionOf(sk),
        },
      ];
    }
    return lines.map((line, index) => ({
      timestamp: line.t,
      level: line.l,
      message: line.m,
      additionalInfo: line.i ?? null,
      cursor: logPositionOf(logLineKey(sk, index)),
    }));
  }
}

/** Two writers (worker and api) may log in the same millisecond with the same sequence. */
function randomSuffix(): string {
  return `#${Math.random().toString(36).slice(2, 6)}`;
}
