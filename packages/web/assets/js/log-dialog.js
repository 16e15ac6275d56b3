// The log popup of the schedule pages (views/log-dialog.tsx): a run's newest lines, followed
// live while it runs. Opening it marks the run's logs read for this viewer, and closing it does
// again, for the lines that arrived while it was open. What opens it ([data-log-job] links) is
// a plain link to the job's log panel when this script does not run.
import { api, whileVisible } from './common.js';
import { isEnded } from './format.js';
import { statusBadge } from './job-cells.js';
import { followLog, logRow } from './log-tail.js';

const FIRST_LINES = 100;

export function setupLogDialog({ pollMs, tailMs, onSeen = () => {} }) {
  const dialog = document.getElementById('log-dialog');
  if (!dialog) return;
  const body = dialog.querySelector('#log-dialog-body');
  const empty = dialog.querySelector('#log-dialog-empty');
  const title = dialog.querySelector('#log-dialog-title');
  const status = dialog.querySelector('#log-dialog-status');
  const state = dialog.querySelector('#log-dialog-state');
  const jobLink = dialog.querySelector('#log-dialog-job');
  /** Counts openings, so a load that finishes after its popup closed or moved on does nothing. */
  let opening = 0;
  let current = null;

  const markSeen = (jobId) =>
    api(`/jobs/${encodeURIComponent(jobId)}/seen`, { method: 'POST' }).then(
      () => onSeen(jobId),
      () => {},
    );

  async function open(jobId) {
    const ticket = ++opening;
    current?.stop();
    current = null;
    const jobPath = `/api/jobs/${encodeURIComponent(jobId)}`;
    title.textContent = 'Logs';
    status.replaceChildren();
    body.replaceChildren();
    empty.hidden = true;
    state.textContent = '(loading)';
    jobLink.href = `/jobs/${encodeURIComponent(jobId)}#logs`;
    if (!dialog.open) dialog.showModal();
    try {
      const [{ data: job }, { data: page }] = await Promise.all([api(jobPath), api(`${jobPath}/logs?_size=${FIRST_LINES}`)]);
      if (ticket !== opening) return;
      let latest = job;
      title.textContent = `Logs of ${job.label}`;
      status.replaceChildren(statusBadge(job));
      body.replaceChildren(...page.items.map((line) => logRow(line, false)));
      empty.hidden = page.items.length > 0;
      state.textContent = '';
      void markSeen(jobId);
      if (isEnded(job.status)) {
        current = { jobId, stop() {} };
        return;
      }
      const poller = whileVisible(pollMs, async () => {
        const { data } = await api(jobPath).catch(() => ({ data: latest }));
        latest = data;
        status.replaceChildren(statusBadge(data));
        if (isEnded(data.status)) poller.stop();
      });
      const tail = followLog({
        jobId,
        body,
        empty,
        cursor: page.tailCursor,
        everyMs: tailMs,
        hasEnded: () => isEnded(latest.status),
        onState: (text) => {
          state.textContent = text;
        },
      });
      current = {
        jobId,
        stop() {
          poller.stop();
          tail.stop();
        },
      };
    } catch (error) {
      if (ticket === opening) state.textContent = `(could not load the logs: ${error.message})`;
    }
  }

  dialog.addEventListener('close', () => {
    opening++;
    if (current === null) return;
    current.stop();
    void markSeen(current.jobId);
    current = null;
  });

  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[data-log-job]');
    // A modified click (new tab, new window) keeps the link's own meaning.
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    void open(link.dataset.logJob);
  });
}
