// The jobs list: selection and operations, auto refresh (every 15 s, paused while the tab is
// hidden), the Refresh button, CSV export and Clear inactive. The rows come from the api as
// JSON and are rebuilt with DOM calls (job-cells.js), so labels stay text.
import { announce, api, config, el, whileVisible } from './common.js';
import { serverClock, startTicker } from './format.js';
import { jobRow } from './job-cells.js';
import { confirmWith, plural, setupOperations } from './operations.js';
import { syncRowSelection } from './row-selection.js';

const cfg = config();
const table = document.getElementById('jobs-table');
const body = document.getElementById('jobs-body');
const selectable = table?.dataset.selectable === 'true';
const showTenant = table?.dataset.showTenant === 'true';
const typeRules = cfg.typeRules ?? {};
/** As the server's operationRules: a tree's failed work is retried from its root. */
const rulesOf = (job) => ({
  restartable: typeRules[job.type]?.restartable ?? false,
  retryable: (typeRules[job.type]?.retryable ?? false) && job.parentId === null,
});
const selected = new Set();
/** The last operation's failures by job id, noted in those rows until the next operation. */
let failed = new Map();
const AUTO_KEY = 'stint.autoRefresh';

startTicker(serverClock(cfg.serverNow));

const operations = setupOperations({
  toolbar: document.querySelector('.toolbar'),
  allowedFrom: cfg.allowedFrom,
  canWrite: cfg.canWrite,
  selection: () =>
    [...body.querySelectorAll('tr[data-id]')]
      .filter((row) => selected.has(row.dataset.id))
      .map((row) => ({
        id: row.dataset.id,
        label: row.querySelector('.col-job a')?.textContent ?? row.dataset.id,
        status: row.dataset.status,
        lowPriority: row.dataset.lowPriority === 'true',
        hasErrors: row.dataset.hasErrors === 'true',
        restartable: row.dataset.restartable === 'true',
        retryable: row.dataset.retryable === 'true',
      })),
  done: (_op, _outcome, failures) => {
    failed = new Map(failures.map(([id, result]) => [id, result.message]));
    return refresh();
  },
});

function noteFailures() {
  for (const [id, message] of failed) {
    body.querySelector(`tr[data-id="${CSS.escape(id)}"] .col-job`)?.append(el('span', { class: 'row-note', role: 'note' }, message));
  }
}

// Selection ---------------------------------------------------------------------------------
function syncSelection() {
  syncRowSelection(selected, [...body.querySelectorAll('tr[data-id]')], (row) => row.dataset.id, 'job');
  operations.update();
}

body?.addEventListener('change', (event) => {
  const box = event.target.closest('.row-select');
  if (!box) return;
  if (box.checked) selected.add(box.value);
  else selected.delete(box.value);
  syncSelection();
});

document.getElementById('select-all')?.addEventListener('change', (event) => {
  for (const row of body.querySelectorAll('tr[data-id]')) {
    if (event.target.checked) selected.add(row.dataset.id);
    else selected.delete(row.dataset.id);
  }
  syncSelection();
});

// Refresh -----------------------------------------------------------------------------------
function setCount(key, value) {
  const node = document.getElementById(`count-${key}`);
  if (node) node.textContent = value.toLocaleString('en-US');
}

async function refresh() {
  if (!cfg.valid) return;
  const query = new URLSearchParams(cfg.query);
  // The cards count what the list shows: children and system jobs only when it shows them.
  const shown = new URLSearchParams([...query].filter(([name]) => name === 'children' || name === 'system' || name === 'tenant'));
  const [jobs, summary] = await Promise.all([api(`/api/jobs?${query}`), api(`/api/summary?${shown}`)]);
  // Rows are rebuilt; a keyboard user keeps their place on the same job's checkbox or link.
  const focused = document.activeElement?.closest('#jobs-body tr')?.dataset.id;
  const focusedClass = document.activeElement?.classList.contains('row-select') ? '.row-select' : '.col-job a';
  body.replaceChildren(...jobs.data.items.map((job) => jobRow(job, { selectable, showTenant, rules: rulesOf(job), selected: selected.has(job.id) })));
  noteFailures();
  if (focused) body.querySelector(`tr[data-id="${CSS.escape(focused)}"] ${focusedClass}`)?.focus();
  document.getElementById('jobs-empty').hidden = jobs.data.items.length > 0;
  for (const key of ['total', 'active', 'completed', 'failed']) setCount(key, summary.data[key]);
  const degraded = document.getElementById('counts-degraded');
  if (degraded) degraded.hidden = summary.data.degraded !== true;
  const clear = document.getElementById('clear-inactive');
  if (clear) {
    clear.dataset.ended = String(summary.data.completed + summary.data.failed + summary.data.canceled);
    clear.hidden = clear.dataset.ended === '0';
  }
  syncSelection();
}

document.getElementById('refresh')?.addEventListener('click', async () => {
  try {
    await refresh();
    announce('The list is up to date.');
  } catch (error) {
    announce(`Refresh failed: ${error.message}`, 'error');
  }
});

const autoButton = document.getElementById('auto-refresh');
let auto = null;
function setAuto(on) {
  autoButton.setAttribute('aria-pressed', String(on));
  localStorage.setItem(AUTO_KEY, on ? 'on' : 'off');
  auto?.stop();
  auto = on ? whileVisible(cfg.refreshMs, () => refresh().catch((error) => announce(`Auto refresh failed: ${error.message}`, 'error'))) : null;
}
autoButton?.addEventListener('click', () => setAuto(autoButton.getAttribute('aria-pressed') !== 'true'));
if (autoButton && localStorage.getItem(AUTO_KEY) === 'on') setAuto(true);

// Export and clear --------------------------------------------------------------------------
// A large export answers 202 with the job that writes it; a link alone would show that JSON.
document.getElementById('export-csv')?.addEventListener('click', async (event) => {
  event.preventDefault();
  const link = event.currentTarget;
  try {
    const response = await fetch(link.href, { credentials: 'same-origin' });
    if (response.status === 202) {
      const { job } = await response.json();
      announce(`The export is large, so it runs as job ${job.id}; download its file from that job’s page when it finishes.`);
      return;
    }
    if (!response.ok) throw new Error((await response.json().catch(() => null))?.error?.message ?? `status ${response.status}`);
    const url = URL.createObjectURL(await response.blob());
    const save = el('a', { href: url, download: 'jobs-export.csv', hidden: true });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    announce(`Export failed: ${error.message}`, 'error');
  }
});

document.getElementById('clear-inactive')?.addEventListener('click', async (event) => {
  const button = event.currentTarget;
  const ended = Number(button.dataset.ended);
  if (!(await confirmWith(button, plural(ended, 'inactive job')))) return;
  button.disabled = true;
  try {
    const { status, data } = await api('/api/jobs/clear-inactive', { method: 'POST' });
    if (status === 202) announce(`There are many inactive jobs: job ${data.job.id} is clearing them in the background.`, 'ok');
    else announce(`Cleared ${plural(data.deleted, 'inactive job')}.`, 'ok');
    await refresh();
  } catch (error) {
    announce(`Clear inactive failed: ${error.message}`, 'error');
  } finally {
    button.disabled = false;
  }
});

syncSelection();
