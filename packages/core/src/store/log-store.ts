import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TableGateway } from './table-gateway.ts';
import { jobPartition, logPositionOf, logSortKey } from './table-keys.ts';

export type LogLevel = 'INFO' | 'ERROR';

export interface LogLine {
  timestamp: number;
  level: LogLevel;
  message: string;
  additionalInfo: Record<string, unknown> | null;
  /** Opaque position of the line, usable as a tail cursor. */
  cursor: string;
}

interface LogItem {
  pk: string;
  sk: string;
  ts: number;
  level: LogLevel;
  message: string;
  /** Lower-cased message, for case-insensitive `contains` filters. */
  lc: string;
  info?: Record<string, unknown>;
  expiresAt?: number;
}

/** Keeps log messages within DynamoDB's item limit with room to spare. */
export const MAX_LOG_MESSAGE = 8_000;

/**
 * Per-job log lines live in the job's partition, sorted by time, so reading a job's logs
 * newest first is a single Query and deleting a job removes them with it.
 */
export class LogStore {
  #seq = 0;
  readonly #table: TableGateway;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#table = new TableGateway(client, tableName);
  }

  /** Builds items for a batch of lines. The sequence keeps lines of the same millisecond apart and ordered. */
  toItems(jobId: string, lines: Array<Omit<LogLine, 'cursor'>>): LogItem[] {
    return lines.map((line) => {
      this.#seq = (this.#seq + 1) % 1_000_000;
      const message = line.message.slice(0, MAX_LOG_MESSAGE);
      return {
        pk: jobPartition(jobId),
        sk: `${logSortKey(line.timestamp, this.#seq)}${randomSuffix()}`,
        ts: line.timestamp,
        level: line.level,
        message,
        lc: message.toLowerCase(),
        ...(line.additionalInfo ? { info: line.additionalInfo } : {}),
      };
    });
  }

  async append(jobId: string, lines: Array<Omit<LogLine, 'cursor'>>): Promise<void> {
    if (lines.length === 0) return;
    await this.#table.batchWrite(this.toItems(jobId, lines).map((Item) => ({ PutRequest: { Item } })));
  }

  static fromItem(item: Record<string, unknown>): LogLine {
    return {
      timestamp: item.ts as number,
      level: item.level as LogLevel,
      message: item.message as string,
      additionalInfo: (item.info as Record<string, unknown> | undefined) ?? null,
      cursor: logPositionOf(item.sk as string),
    };
  }
}

/** Two writers (worker and api) may log in the same millisecond with the same sequence. */
function randomSuffix(): string {
  return `#${Math.random().toString(36).slice(2, 6)}`;
}
