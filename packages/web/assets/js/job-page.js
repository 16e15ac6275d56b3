// A job's page: its operations, and the page kept live while anything on it can change. Every
// 2 s (while the tab is visible) the page is read again from the server (its live parts only)
// and the header's status, the details, progress, the children panel, the output and the
// errors are swapped in from that one rendering, so they always agree with each other and with
// the buttons. Polling goes on while the job is active or a child shown is (a cancel's cascade
// ends the children after their parent), and starts again after an operation. The log tail
// polls new lines with `after=<tailCursor>` every 1.5 s.
import { announce, config, flash, whileVisible } from './common.js';
import { isEnded, serverClock, startTicker } from './format.js';
import { followLog } from './log-tail.js';
import { setupOperations } from './operations.js';
import { reread, swap } from './page-refresh.js';

const cfg = config();
let job = cfg.job;

/** Parts of the page that change while the job runs; the rest (data, parent, root) does not. */
const LIVE_PARTS = [
  'field-status-badge',
  'job-actions',
  'errors-slot',
  'field-waiting',
  'field-waiting-on',
  'field-started',
  'field-duration',
  'field-ended',
  'field-errors',
  'field-attempt',
  'field-low-priority',
  'progress-panel',
  'children-slot',
  'output-panel',
];

startTicker(serverClock(cfg.serverNow));

const operations = setupOperations({
  toolbar: document.querySelector('.toolbar'),
  allowedFrom: cfg.allowedFrom,
  canWrite: cfg.canWrite,
  selection: () => [{ id: cfg.jobId, label: cfg.label, status: job.status, lowPriority: job.lowPriority, hasErrors: job.hasErrors, ...cfg.rules }],
  done: async (op, outcome) => {
    if (op === 'delete' && outcome.ok === 1) {
      flash('The job was deleted.');
      location.assign('/jobs');
      return;
    }
    await refresh();
    follow();
  },
});

const activeChildShown = () => [...document.querySelectorAll('#children tr[data-status]')].some((row) => !isEnded(row.dataset.status));
const live = () => !isEnded(job.status) || activeChildShown();

async function refresh() {
  const doc = await reread(location.href, { live: true });
  const state = doc.querySelector('meta[name="stint-config"]');
  // A 404 page (deleted meanwhile, or no longer visible to this session) has no job to show.
  if (!state || !doc.getElementById('field-status-badge')) throw new Error('this job is no longer there');
  const wasEnded = isEnded(job.status);
  // A keyboard user on a child's link keeps it after the panel is swapped.
  const focusedChild = document.activeElement?.closest?.('#children tr')?.dataset.id;
  for (const id of LIVE_PARTS) swap(doc, id);
  if (focusedChild) document.querySelector(`#children tr[data-id="${CSS.escape(focusedChild)}"] a`)?.focus();
  job = JSON.parse(state.content).job;
  operations.update();
  if (!wasEnded && isEnded(job.status)) announce('The job has ended.');
}

let poller = null;
/** Polls while something on the page can still change; called again when an operation may have revived it. */
function follow() {
  if (poller || !live()) return;
  poller = whileVisible(cfg.pollMs, async () => {
    await refresh().catch((error) => announce(`Refreshing the page failed: ${error.message}`, 'error'));
    if (!live()) {
      poller.stop();
      poller = null;
    }
  });
}
follow();

// Log tail ------------------------------------------------------------------------------------
const logBody = document.getElementById('log-body');
const tailBox = document.getElementById('live-tail');
const tailState = document.getElementById('tail-state');

let tailer = null;
function tail(on) {
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
  tailBox.addEventListener('change', () => tail(tailBox.checked));
  tail(tailBox.checked);
}
