// The operation buttons of the list and the detail page. A button is enabled only when its
// operation applies to every selected job, by the lifecycle table the server sends
// (ALLOWED_FROM); operations that lose work ask first in a real <dialog>.
import { announce, api } from './common.js';

export function canApply(op, jobs, allowedFrom) {
  if (jobs.length === 0) return false;
  return jobs.every((job) => (allowedFrom[op] ?? []).includes(job.status) && (op !== 'restart' || job.restartable));
}

/** Asks with the page's dialog, using the button's data-confirm-* text; resolves true to go ahead. */
export function confirmWith(source) {
  const dialog = document.getElementById('confirm-dialog');
  if (!dialog || !source.dataset.confirmTitle) return Promise.resolve(true);
  dialog.querySelector('#confirm-title').textContent = source.dataset.confirmTitle;
  dialog.querySelector('#confirm-body').textContent = source.dataset.confirmBody ?? '';
  dialog.querySelector('#confirm-action').textContent = source.dataset.confirmAction ?? 'Confirm';
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      source.focus();
    }, { once: true });
    dialog.showModal();
  });
}

/**
 * Wires the toolbar. `selection()` returns the jobs acted on ({ id, status, restartable });
 * `done(op, outcome)` runs after each operation so the page can show the new state.
 */
export function setupOperations({ toolbar, allowedFrom, canWrite, selection, done }) {
  const buttons = [...toolbar.querySelectorAll('button[data-op]')];
  const update = () => {
    const jobs = selection();
    for (const button of buttons) button.disabled = !canWrite || !canApply(button.dataset.op, jobs, allowedFrom);
  };
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      const jobs = selection();
      const op = button.dataset.op;
      if (!canWrite || !canApply(op, jobs, allowedFrom)) return;
      if (!(await confirmWith(button))) return;
      for (const b of buttons) b.disabled = true;
      const label = button.textContent.trim();
      try {
        const { data } = await api('/api/jobs/bulk', { method: 'POST', body: { op, ids: jobs.map((job) => job.id) } });
        const failures = Object.entries(data.results).filter(([, result]) => result.status !== 'ok');
        if (failures.length === 0) announce(`${label}: done for ${plural(data.ok, 'job')}.`, 'ok');
        else {
          const [id, first] = failures[0];
          announce(`${label}: done for ${plural(data.ok, 'job')}, failed for ${failures.length}. ${id}: ${first.message}`, 'error');
        }
        await done(op, data);
      } catch (error) {
        announce(`${label} failed: ${error.message}`, 'error');
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
