/** @jsxImportSource hono/jsx */
import type { StatsInterval, StatsResult } from '@stint/core/query';
import { DegradedNotice } from './degraded-notice.tsx';
import { formatDateTime, formatDuration, toInputValue } from './time-format.ts';

export const RANGE_PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

export interface StatsPageProps {
  /** The canonical parameters: range or from/to, and interval. */
  params: URLSearchParams;
  from: number;
  to: number;
  interval: StatsInterval;
  stats: StatsResult | null;
  error: string | null;
  timeZone: string;
}

export function isEmpty(stats: StatsResult): boolean {
  return stats.totals.created === 0 && stats.totals.avgWaitingMs === null;
}

export function StatsPage(props: StatsPageProps) {
  const { params, stats, timeZone } = props;
  const custom = params.has('from') || params.has('to');
  const range = custom ? 'custom' : (params.get('range') ?? '24h');
  const wait = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : formatDuration(ms));
  return (
    <>
      <div class="page-header">
        <div>
          <h1>Statistics</h1>
          <p class="page-header__lead">Jobs created and how long they waited before they started.</p>
        </div>
      </div>
      <form class="filters" method="get" action="/stats" aria-label="Statistics range">
        <div class="filters__row">
          <div class="field">
            <label for="s-range">Range</label>
            <select id="s-range" name="range">
              {RANGE_PRESETS.map((p) => (
                <option value={p.id} selected={p.id === range}>
                  {p.label}
                </option>
              ))}
              <option value="custom" selected={range === 'custom'}>
                Custom (From / To)
              </option>
            </select>
          </div>
          <div class="field">
            <label for="s-from">From</label>
            <input id="s-from" type="datetime-local" name="from" value={custom ? toInputValue(props.from, timeZone) : ''} />
          </div>
          <div class="field">
            <label for="s-to">To</label>
            <input id="s-to" type="datetime-local" name="to" value={custom && params.has('to') ? toInputValue(props.to, timeZone) : ''} />
          </div>
          <div class="field">
            <label for="s-interval">Interval</label>
            <select id="s-interval" name="interval">
              {(['minute', 'hour', 'day'] as const).map((i) => (
                <option value={i} selected={i === props.interval}>
                  {`Per ${i}`}
                </option>
              ))}
            </select>
          </div>
          <div class="filters__actions filters__actions--inline">
            <button type="submit" class="button button--primary">
              Show
            </button>
          </div>
        </div>
        <p class="hint">
          {`${formatDateTime(props.from, timeZone)} to ${formatDateTime(props.to, timeZone)}, per ${props.interval}. A minute interval spans at most 2 days, an hour 31, a day 92.`}
        </p>
      </form>

      {props.error !== null && (
        <div class="alert alert--error" role="alert">
          {props.error}
        </div>
      )}

      {stats !== null && (
        <>
          <DegradedNotice degraded={stats.degraded === true} what="statistics" />
          <ul class="cards" aria-label="Totals for the range">
            <li class="card">
              <span class="card__label">Jobs created</span>
              <span class="card__value">{stats.totals.created.toLocaleString('en-US')}</span>
            </li>
            <li class="card">
              <span class="card__label">Average waiting</span>
              <span class="card__value">{wait(stats.totals.avgWaitingMs)}</span>
            </li>
            <li class="card">
              <span class="card__label">Min waiting</span>
              <span class="card__value">{wait(stats.totals.minWaitingMs)}</span>
            </li>
            <li class="card">
              <span class="card__label">Max waiting</span>
              <span class="card__value">{wait(stats.totals.maxWaitingMs)}</span>
            </li>
          </ul>
          <p class="muted">Waiting is the time from a job’s creation to its start; for a job submitted to start later, from its start time (runAt).</p>
          {isEmpty(stats) ? (
            <p class="empty empty--panel" id="stats-empty">
              No jobs were created or started in this range. Pick a longer range, or run some jobs and come back.
            </p>
          ) : (
            <>
              <div class="chart-grid">
                <figure class="panel chart">
                  <figcaption>{`Jobs created per ${props.interval}`}</figcaption>
                  <div
                    class="chart__canvas"
                    id="chart-created"
                    role="img"
                    aria-label={`Chart of jobs created per ${props.interval}; the table below has the numbers.`}
                  ></div>
                </figure>
                <figure class="panel chart">
                  <figcaption>{`Waiting time per ${props.interval} (average, min, max)`}</figcaption>
                  <div
                    class="chart__canvas"
                    id="chart-waiting"
                    role="img"
                    aria-label={`Chart of waiting times per ${props.interval}; the table below has the numbers.`}
                  ></div>
                </figure>
              </div>
              <details class="panel">
                <summary>Numbers by {props.interval}</summary>
                <StatsTable stats={stats} timeZone={timeZone} />
              </details>
            </>
          )}
        </>
      )}
    </>
  );
}

function StatsTable(props: { stats: StatsResult; timeZone: string }) {
  const rows = props.stats.points.filter((p) => p.created > 0 || p.avgWaitingMs !== null);
  return (
    <div class="table-scroll" role="region" aria-labelledby="stats-caption" tabindex={0}>
      <table>
        <caption id="stats-caption">Intervals with activity</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">Created</th>
            <th scope="col">Average waiting</th>
            <th scope="col">Min waiting</th>
            <th scope="col">Max waiting</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr>
              <th scope="row" class="nowrap">
                {formatDateTime(p.t, props.timeZone)}
              </th>
              <td>{p.created}</td>
              <td>{formatDuration(p.avgWaitingMs)}</td>
              <td>{formatDuration(p.minWaitingMs)}</td>
              <td>{formatDuration(p.maxWaitingMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
