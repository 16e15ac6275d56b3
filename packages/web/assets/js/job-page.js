// A job's page: its operations, its status and times kept current while it runs, and the
// log tail: new lines polled with `after=<tailCursor>` every 1.5 s while the tab is visible.
import { announce, api, config, el, flash, whileVisible } from './common.js';
import { formatDateTime, isEnded, serverClock, startTicker } from './format.js';
import { childrenCount, dateTime, duration, errorsFlag, lowPriorityFlag, progress, statusBadge, waiting } from './job-cells.js';
import { setupOperations } from './operations.js';

const cfg = config();
const jobPath = `/api/jobs/${encodeURIComponent(cfg.jobId)}`;
let job = cfg.job;
/** Polls after the job ends, so its last lines still arrive. */
let tailGrace = 3;
const MAX_LOG_ROWS = 1000;

startTicker(serverClock(cfg.serverNow));

const operations = setupOperations({
  toolbar: document.querySelector('.toolbar'),
  allowedFrom: cfg.allowedFrom,
  canWrite: cfg.canWrite,
  selection: () => [{ id: cfg.jobId, status: job.status, restartable: cfg.restartable }],
  done: async (op, outcome) => {
    if (op === 'delete' && outcome.ok === 1) {
      flash('The job was deleted.');
      location.assign('/jobs');
      return;
    }
    await poll();
  },
});

function replace(id, node) {
  const target = document.getElementById(id);
  if (target) target.replaceChildren(node);
}

function show(latest) {
  const wasEnded = isEnded(job.status);
  job = latest;
  replace('field-status-badge', statusBadge(latest));
  replace('field-waiting', waiting(latest));
  replace('field-started', dateTime(latest.startDate));
  replace('field-duration', duration(latest));
  replace('field-ended', dateTime(latest.endDate));
  replace('field-errors', errorsFlag(latest));
  replace('field-low-priority', lowPriorityFlag(latest));
  replace('field-children', childrenCount(latest));
  replace('field-progress', progress(latest.progress, 'Progress of this job'));
  operations.update();
  if (!wasEnded && isEnded(latest.status)) {
    const reload = el('button', { type: 'button', class: 'button' }, 'Show results');
    reload.addEventListener('click', () => location.reload());
    announce('The job has ended. ');
    document.getElementById('notice').append(reload);
  }
}

async function poll() {
  const { data } = await api(jobPath);
  show(data);
}

const jobPoller = isEnded(job.status)
  ? null
  : whileVisible(cfg.pollMs, async () => {
      await poll().catch(() => {});
      if (isEnded(job.status)) jobPoller?.stop();
    });

// Log tail ------------------------------------------------------------------------------------
const logBody = document.getElementById('log-body');
const tailBox = document.getElementById('live-tail');
const tailState = document.getElementById('tail-state');

function logRow(line) {
  return el(
    'tr',
    { class: `log-line is-new${line.level === 'ERROR' ? ' log-line--error' : ''}` },
    el('td', { class: 'nowrap' }, el('time', { datetime: new Date(line.timestamp).toISOString() }, formatDateTime(line.timestamp))),
    el('td', {}, el('span', { class: `level level--${line.level.toLowerCase()}` }, line.level)),
    el('td', { class: 'log-message' }, line.message, line.additionalInfo ? el('code', { class: 'log-info' }, JSON.stringify(line.additionalInfo)) : null),
  );
}

/** Reads every line past the cursor; `partial` means the page filled, so it asks again (bounded). */
async function tailOnce() {
  for (let round = 0; round < 5; round++) {
    const query = new URLSearchParams({ ...cfg.tail.query, after: cfg.tail.cursor, _size: '200' });
    const { data } = await api(`${jobPath}/logs?${query}`);
    // Oldest first: each goes on top, so the newest ends up first, as the page lists them.
    for (const line of data.items) logBody.prepend(logRow(line));
    if (data.items.length > 0) document.getElementById('log-empty').hidden = true;
    while (logBody.rows.length > MAX_LOG_ROWS) logBody.lastElementChild.remove();
    cfg.tail.cursor = data.tailCursor ?? cfg.tail.cursor;
    if (!data.partial) return;
  }
}

function setTailState(text) {
  if (tailState) tailState.textContent = text;
}

let tailer = null;
function follow(on) {
  tailer?.stop();
  tailer = null;
  if (!on) {
    setTailState('(paused)');
    return;
  }
  setTailState('(following new lines)');
  tailer = whileVisible(cfg.tail.everyMs, async () => {
    if (isEnded(job.status) && tailGrace-- <= 0) {
      tailer.stop();
      setTailState('(the job has ended)');
      return;
    }
    await tailOnce().catch((error) => setTailState(`(paused: ${error.message})`));
  });
}

if (cfg.tail && logBody && tailBox) {
  tailBox.addEventListener('change', () => follow(tailBox.checked));
  follow(tailBox.checked);
}
