/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { LogLine } from '@stint/core';
import { href, withParams } from '../list-url.ts';
import { formatDateTime, toInputValue } from './time-format.ts';

export interface LogsPanelProps {
  jobId: string;
  path: string;
  /** The detail page's canonical parameters; the log ones are level, message, period, from, to, logCursor. */
  params: URLSearchParams;
  lines: LogLine[];
  nextCursor: string | null;
  error: string | null;
  /** Whether the script may follow new lines: the newest page of a job still running, with no upper time bound. */
  tail: boolean;
  timeZone: string;
}

export const LOG_PARAMS = ['level', 'message', 'period', 'from', 'to', 'logCursor'] as const;

export function LogsPanel(props: LogsPanelProps) {
  const { params, timeZone } = props;
  const ms = (name: string) => (/^\d+$/.test(params.get(name) ?? '') ? Number(params.get(name)) : null);
  const newest = withParams(params, { logCursor: null });
  return (
    <section class="panel" id="logs" aria-labelledby="logs-title">
      <div class="panel__header">
        <h2 id="logs-title">Logs</h2>
        {props.tail && (
          <label class="check switch">
            <input type="checkbox" id="live-tail" checked />
            Live tail <span class="muted" id="tail-state" aria-live="polite"></span>
          </label>
        )}
      </div>
      <form class="filters filters--compact" method="get" action={`${props.path}#logs`} aria-label="Filter logs">
        {keep(params).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <div class="filters__row">
          <div class="field">
            <label for="l-level">Level</label>
            <select id="l-level" name="level">
              <option value="">Any level</option>
              <option value="INFO" selected={params.get('level') === 'INFO'}>
                Info
              </option>
              <option value="ERROR" selected={params.get('level') === 'ERROR'}>
                Error
              </option>
            </select>
          </div>
          <div class="field field--grow">
            <label for="l-message">Message contains</label>
            <input id="l-message" type="search" name="message" value={params.get('message') ?? ''} maxlength={200} />
          </div>
          <div class="field">
            <label for="l-period">Period</label>
            <input id="l-period" name="period" value={params.get('period') ?? ''} placeholder="today, 2h 30m" aria-describedby="l-period-hint" />
          </div>
          <div class="field">
            <label for="l-from">From</label>
            <input id="l-from" type="datetime-local" name="from" value={toInputValue(ms('from'), timeZone)} />
          </div>
          <div class="field">
            <label for="l-to">To</label>
            <input id="l-to" type="datetime-local" name="to" value={toInputValue(ms('to'), timeZone)} />
          </div>
          <div class="filters__actions filters__actions--inline">
            <a
              class="button button--quiet"
              href={`${href(props.path, withParams(params, { level: null, message: null, period: null, from: null, to: null, logCursor: null }))}#logs`}
            >
              Reset
            </a>
            <button type="submit" class="button button--primary">
              Apply
            </button>
          </div>
        </div>
        <p class="hint" id="l-period-hint">
          {`Period: today or yesterday (from midnight in ${timeZone}), or a span such as 2h 30m, 10m or 1d. From/To win over a period.`}
        </p>
      </form>
      {props.error !== null && (
        <div class="alert alert--error" role="alert">
          {props.error}
        </div>
      )}
      <div class="table-scroll" role="region" aria-labelledby="logs-caption" tabindex={0}>
        <LogTable captionId="logs-caption" bodyId="log-body">
          {props.lines.map((line) => (
            <LogRow line={line} timeZone={timeZone} />
          ))}
        </LogTable>
        <p class="empty" id="log-empty" hidden={props.lines.length > 0}>
          No log lines match.
        </p>
      </div>
      <nav class="pager" aria-label="Log pages">
        {params.has('logCursor') ? (
          <a class="button button--quiet" href={`${href(props.path, newest)}#logs`}>
            Newest lines
          </a>
        ) : null}
        {props.nextCursor !== null ? (
          <a class="button button--quiet" href={`${href(props.path, withParams(params, { logCursor: props.nextCursor }))}#logs`}>
            Older lines
          </a>
        ) : (
          <span class="muted">No older lines.</span>
        )}
      </nav>
    </section>
  );
}

export function LogRow(props: { line: LogLine; timeZone: string }) {
  const { line } = props;
  return (
    <tr class={line.level === 'ERROR' ? 'log-line log-line--error' : 'log-line'}>
      <td class="nowrap">
        <time datetime={new Date(line.timestamp).toISOString()}>{formatDateTime(line.timestamp, props.timeZone)}</time>
      </td>
      <td>
        <span class={`level level--${line.level.toLowerCase()}`}>{line.level}</span>
      </td>
      <td class="log-message">
        {line.message}
        {line.additionalInfo !== null && <code class="log-info">{JSON.stringify(line.additionalInfo)}</code>}
      </td>
    </tr>
  );
}

/** The page's other state (children paging) survives a log filter change. */
function keep(params: URLSearchParams): Array<[string, string]> {
  return [...params].filter(([name]) => !(LOG_PARAMS as readonly string[]).includes(name));
}

/** A table of log lines, newest first; page scripts add live lines to the body by its id. */
export function LogTable(props: { captionId: string; bodyId: string; children?: Child }) {
  return (
    <table class="log-table">
      <caption id={props.captionId}>Log lines, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Level</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody id={props.bodyId}>{props.children}</tbody>
    </table>
  );
}
