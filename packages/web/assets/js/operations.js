// The operation buttons of the list and the detail page. A button is enabled only when its
// operation applies to every selected job, by the lifecycle table the server sends
// (ALLOWED_FROM), and would change something (low priority set on a job that has it does
// not); operations that lose work ask first in a real <dialog>. The outcome is said in the
// toolbar itself, beside the buttons just used.
import { api } from './common.js';

const FLAG_OPS = { 'set-low-priority': false, 'remove-low-priority': true };

/** jobs: [{ status, lowPriority, hasErrors, restartable, retryable }] as the page knows them now. */
export function canApply(op, jobs, allowedFrom) {
  if (jobs.length === 0) return false;
  const allowed = jobs.every(
    (job) => (allowedFrom[op] ?? []).includes(job.status) && (op !== 'restart' || job.restartable) && (op !== 'retry' || (job.retryable && job.hasErrors)),
  );
  if (!allowed) return false;
  return op in FLAG_OPS ? jobs.some((job) => job.lowPriority === FLAG_OPS[op]) : true;
}

/**
 * Asks with the page's dialog, using the button's data-confirm-* text, whose title names
 * `subject` (what will be acted on); resolves true to go ahead.
 */
export function confirmWith(source, subject) {
  const dialog = document.getElementById('confirm-dialog');
  if (!dialog || !source.dataset.confirmTitle) return Promise.resolve(true);
  dialog.querySelector('#confirm-title').textContent = source.dataset.confirmTitle.replace('{subject}', subject);
  dialog.querySelector('#confirm-body').textContent = source.dataset.confirmBody ?? '';
  dialog.querySelector('#confirm-action').textContent = source.dataset.confirmAction ?? 'Confirm';
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        resolve(dialog.returnValue === 'confirm');
        source.focus();
      },
      { once: true },
    );
    dialog.showModal();
  });
}

/**
 * Wires the toolbar. `selection()` returns the jobs acted on ({ id, label, status, lowPriority,
 * hasErrors, restartable, retryable }); `done(op, outcome, failures)` runs after each operation so the page can show
 * the new state, `failures` being [id, { code, message }] pairs.
 */
export function setupOperations({ toolbar, allowedFrom, canWrite, selection, done }) {
  const buttons = [...toolbar.querySelectorAll('button[data-op]')];
  const feedback = toolbar.querySelector('.toolbar__feedback');
  const say = (message, tone) => {
    feedback.className = `toolbar__feedback toolbar__feedback--${tone}`;
    feedback.textContent = message;
  };
  const update = () => {
    const jobs = selection();
    for (const button of buttons) button.disabled = !canWrite || !canApply(button.dataset.op, jobs, allowedFrom);
  };
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      const jobs = selection();
      const op = button.dataset.op;
      if (!canWrite || !canApply(op, jobs, allowedFrom)) return;
      if (!(await confirmWith(button, jobs.length === 1 ? `“${jobs[0].label}”` : `${jobs.length} jobs`))) return;
      for (const b of buttons) b.disabled = true;
      const label = button.textContent.trim();
      say(`${label}: working…`, 'info');
      try {
        const { data } = await api('/api/jobs/bulk', { method: 'POST', body: { op, ids: jobs.map((job) => job.id) } });
        const failures = Object.entries(data.results).filter(([, result]) => result.status !== 'ok');
        if (failures.length === 0) say(`${label}: done for ${plural(data.ok, 'job')}.`, 'ok');
        else if (jobs.length === 1) say(`${label} failed: ${failures[0][1].message}`, 'error');
        else say(`${label}: done for ${plural(data.ok, 'job')}, failed for ${failures.length} (marked in the list).`, 'error');
        await done(op, data, failures);
      } catch (error) {
        say(`${label} failed: ${error.message}`, 'error');
      } finally {
        update();
      }
    });
  }
  update();
  return { update };
}

export function plural(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
