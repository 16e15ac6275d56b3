// A job's page: its operations, its status and times kept current while it runs, and the
// log tail: new lines polled with `after=<tailCursor>` every 1.5 s while the tab is visible.
import { announce, api, config, el, flash, whileVisible } from './common.js';
import { isEnded, serverClock, startTicker } from './format.js';
import { childrenCount, dateTime, duration, errorsFlag, lowPriorityFlag, progress, statusBadge, waiting } from './job-cells.js';
import { followLog } from './log-tail.js';
import { setupOperations } from './operations.js';

const cfg = config();
const jobPath = `/api/jobs/${encodeURIComponent(cfg.jobId)}`;
let job = cfg.job;

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

let tailer = null;
function follow(on) {
  if (tailer) {
    tailer.stop();
    // Resuming later starts past the lines already shown.
    cfg.tail.cursor = tailer.cursor();
    tailer = null;
  }
  const setState = (text) => {
    if (tailState) tailState.textContent = text;
  };
  if (!on) {
    setState('(paused)');
    return;
  }
  tailer = followLog({
    jobId: cfg.jobId,
    body: logBody,
    empty: document.getElementById('log-empty'),
    cursor: cfg.tail.cursor,
    query: cfg.tail.query,
    everyMs: cfg.tail.everyMs,
    hasEnded: () => isEnded(job.status),
    onState: setState,
  });
}

if (cfg.tail && logBody && tailBox) {
  tailBox.addEventListener('change', () => follow(tailBox.checked));
  follow(tailBox.checked);
}
