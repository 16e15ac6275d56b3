/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { BadRequestError } from '@stint/core';
import type { StatsInterval, StatsResult } from '@stint/core/query';
import { canonicalParams, href, sameQuery } from '../list-url.ts';
import { orBadRequest, pageScope } from '../page-scope.ts';
import type { WebEnv } from '../page-session.ts';
import { documentOf, Layout } from '../views/layout.tsx';
import { isEmpty, RANGE_PRESETS, StatsPage } from '../views/stats-page.tsx';
import type { WebServices } from '../web-services.ts';

const DEFAULT_RANGE = '24h';
const INTERVALS: readonly StatsInterval[] = ['minute', 'hour', 'day'];

/** A readable number of points: minutes up to 6 hours, hours up to a week, then days. */
export function autoInterval(spanMs: number): StatsInterval {
  if (spanMs <= 6 * 3_600_000) return 'minute';
  if (spanMs <= 7 * 86_400_000) return 'hour';
  return 'day';
}

interface StatsView {
  params: URLSearchParams;
  from: number;
  to: number;
  interval: StatsInterval;
}

/**
 * A preset range (`range=7d`) follows the clock; a custom one (`from`/`to`, or `range=custom`)
 * is fixed. The interval is left out of the URL when it is the automatic one for the span.
 */
export function statsView(raw: Record<string, string[]>, timeZone: string, now: number): StatsView {
  const given = canonicalParams(raw, timeZone, {});
  const range = given.get('range');
  const custom = range === 'custom' || (range === null && (given.has('from') || given.has('to')));
  const params = new URLSearchParams();
  let from: number;
  let to: number;
  if (custom) {
    to = Number(given.get('to') ?? now);
    from = Number(given.get('from') ?? to - 86_400_000);
    if (given.has('from')) params.set('from', given.get('from')!);
    if (given.has('to')) params.set('to', given.get('to')!);
    if (!given.has('from') && !given.has('to')) params.set('range', 'custom');
  } else {
    const preset = RANGE_PRESETS.find((p) => p.id === range) ?? RANGE_PRESETS.find((p) => p.id === DEFAULT_RANGE)!;
    to = now;
    from = now - preset.ms;
    if (preset.id !== DEFAULT_RANGE) params.set('range', preset.id);
  }
  const asked = given.get('interval') as StatsInterval | null;
  const interval = asked !== null && INTERVALS.includes(asked) ? asked : autoInterval(to - from);
  if (interval !== autoInterval(to - from)) params.set('interval', interval);
  return { params, from, to, interval };
}

export function statsRoutes(pages: Hono<WebEnv>, services: WebServices): void {
  pages.get('/stats', async (c) => {
    const timeZone = c.get('timeZone');
    const now = services.now();
    const view = statsView(c.req.queries(), timeZone, now);
    if (!sameQuery(new URL(c.req.url).search, view.params)) return c.redirect(href('/stats', view.params), 302);

    const principal = c.get('principal');
    const scope = pageScope(principal);
    const found = await orBadRequest(async () => {
      if (!Number.isFinite(view.from) || !Number.isFinite(view.to)) throw new BadRequestError('From and To must be dates and times', 'from');
      return services.engine.monitor.stats(scope, { from: view.from, to: view.to, interval: view.interval }, now);
    });
    const page = (
      <Layout
        title="Statistics"
        section="stats"
        scripts={['stats-page.js']}
        styles={['/assets/vendor/uPlot.min.css']}
        signedIn={{ principal, csrfToken: c.get('session').csrfToken, timeZone }}
        config={found.value && !isEmpty(found.value) ? { interval: view.interval, series: chartSeries(found.value) } : {}}
      >
        <StatsPage params={view.params} from={view.from} to={view.to} interval={view.interval} stats={found.value} error={found.error} timeZone={timeZone} />
      </Layout>
    );
    return c.html(documentOf(page), found.error === null ? 200 : 400);
  });
}

/** Columns as uPlot takes them: x in seconds, then one array per series. */
function chartSeries(stats: StatsResult) {
  const points = stats.points;
  return {
    t: points.map((p) => p.t / 1000),
    created: points.map((p) => p.created),
    avg: points.map((p) => p.avgWaitingMs),
    min: points.map((p) => p.minWaitingMs),
    max: points.map((p) => p.maxWaitingMs),
  };
}
