// The statistics charts, drawn with uPlot (served from node_modules by the app) from the
// columns the server put in the page's config. The form's range and interval are kept
// consistent: a preset clears the custom dates, a date picks "Custom".
import uPlot from '/assets/vendor/uPlot.esm.js';
import { config } from './common.js';
import { formatDuration } from './format.js';

const cfg = config();
const HEIGHT = 280;

const rangeSelect = document.getElementById('s-range');
const dates = ['s-from', 's-to'].map((id) => document.getElementById(id));
const intervalSelect = document.getElementById('s-interval');
const SPANS = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** Mirrors autoInterval in stats-route.tsx. */
function autoInterval(spanMs) {
  if (spanMs <= 6 * 3_600_000) return 'minute';
  if (spanMs <= 7 * 86_400_000) return 'hour';
  return 'day';
}

rangeSelect?.addEventListener('change', () => {
  if (rangeSelect.value === 'custom') return;
  for (const input of dates) input.value = '';
  intervalSelect.value = autoInterval(SPANS[rangeSelect.value]);
});
for (const input of dates) input?.addEventListener('input', () => (rangeSelect.value = 'custom'));

const two = (n) => String(n).padStart(2, '0');

/** Tick labels as the rest of the monitor writes times: 24-hour clock, the date when it changes. */
function timeTicks(_u, splits) {
  let lastDay = null;
  return splits.map((seconds) => {
    const d = new Date(seconds * 1000);
    const day = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
    const clock = `${two(d.getHours())}:${two(d.getMinutes())}`;
    const label = cfg.interval === 'day' ? day : day === lastDay ? clock : `${clock}\n${day}`;
    lastDay = day;
    return label;
  });
}

/** Half an interval of room on each side, so the first and last bars are drawn whole. */
function paddedRange(u, min, max) {
  const t = u.data[0];
  const step = t.length > 1 ? t[1] - t[0] : 60;
  return [min - step / 2, max + step / 2];
}

function chart(container, series, data, axisValues) {
  const width = () => Math.max(280, container.clientWidth);
  const plot = new uPlot(
    {
      width: width(),
      height: HEIGHT,
      series: [{ value: (u, v) => (v == null ? '—' : timeTicks(u, [v])[0].replace('\n', ' ')) }, ...series],
      axes: [
        { values: timeTicks, space: 60 },
        { values: axisValues, size: 64 },
      ],
      scales: { x: { time: true, range: paddedRange } },
      cursor: { drag: { x: false, y: false } },
    },
    data,
    container,
  );
  new ResizeObserver(() => plot.setSize({ width: width(), height: HEIGHT })).observe(container);
  return plot;
}

if (cfg.series) {
  const { t, created, avg, min, max } = cfg.series;
  const count = (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : ''));
  const time = (_u, splits) => splits.map((v) => formatDuration(v));
  chart(
    document.getElementById('chart-created'),
    [
      {
        label: 'Jobs created',
        value: (_u, v) => (v == null ? '—' : String(v)),
        stroke: '#1d58b5',
        fill: 'rgba(29, 88, 181, 0.55)',
        width: 0,
        paths: uPlot.paths.bars({ size: [0.7, 60] }),
        points: { show: false },
      },
    ],
    [t, created],
    count,
  );
  chart(
    document.getElementById('chart-waiting'),
    [
      // Waiting is only known for intervals in which jobs started: markers keep lone points visible.
      { label: 'Average', stroke: '#1d58b5', width: 2, points: { show: true, size: 8, fill: '#1d58b5' }, value: (_u, v) => formatDuration(v) },
      { label: 'Min', stroke: '#15803d', width: 1.5, dash: [6, 4], points: { show: true, size: 7, fill: '#15803d' }, value: (_u, v) => formatDuration(v) },
      { label: 'Max', stroke: '#b42318', width: 1.5, points: { show: true, size: 7, fill: '#b42318' }, value: (_u, v) => formatDuration(v) },
    ],
    [t, avg, min, max],
    time,
  );
}
