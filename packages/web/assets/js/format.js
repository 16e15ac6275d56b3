// The browser's copy of views/time-format.ts and views/job-status.ts: rows rebuilt after a
// refresh must read exactly like the ones the server rendered.

const two = (n) => String(n).padStart(2, '0');

const dateFormat = new Intl.DateTimeFormat('en-US', {
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function formatDateTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const p = Object.fromEntries(dateFormat.formatToParts(ms).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor(s / 3600) % 24}h`;
}

const TONES = {
  PENDING: 'pending',
  RUNNING: 'running',
  FINISHED: 'finished',
  STOPPING: 'stopping',
  STOPPED: 'stopping',
  CANCELING: 'canceled',
  CANCELED: 'canceled',
};

export function statusTone(job) {
  return job.status === 'FINISHED' && job.hasErrors ? 'failed' : (TONES[job.status] ?? 'pending');
}

export function statusLabel(job) {
  if (job.status === 'FINISHED' && job.hasErrors) return 'Failed';
  return job.status.charAt(0) + job.status.slice(1).toLowerCase();
}

export function waitingTicks(job) {
  return job.startDate === null && job.endDate === null;
}

export function isEnded(status) {
  return status === 'FINISHED' || status === 'CANCELED';
}

/** The clock of the server that rendered the page, so ticking durations agree with its values. */
export function serverClock(serverNow) {
  const offset = typeof serverNow === 'number' ? serverNow - Date.now() : 0;
  return () => Date.now() + offset;
}

/** Waiting and duration cells of pending and running jobs grow once a second. */
export function startTicker(now) {
  const tick = () => {
    for (const cell of document.querySelectorAll('[data-tick-from]')) {
      cell.textContent = formatDuration(now() - Number(cell.dataset.tickFrom));
    }
  };
  tick();
  return setInterval(tick, 1000);
}
