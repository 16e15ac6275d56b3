// The schedules list: selection for Run now (a plain form post), filters applied as they
// change, rows refreshed from the page itself (every 15 s, every 3 s while a run is running,
// none while the tab is hidden), and the log popup behind each logs icon.
import { announce, config, whileVisible } from './common.js';
import { setupLogDialog } from './log-dialog.js';
import { reread, swap } from './page-refresh.js';
import { syncRowSelection } from './row-selection.js';

const cfg = config();
const filters = document.getElementById('schedule-filters');
const selected = new Set();
const TYPING_PAUSE_MS = 300;

// Selection -----------------------------------------------------------------------------------
const rows = () => [...document.querySelectorAll('#schedules-body tr[data-ref]')];

function syncSelection() {
  syncRowSelection(selected, rows(), (row) => row.dataset.ref, 'schedule');
  const run = document.getElementById('run-now');
  if (run) run.disabled = selected.size === 0;
}

// The table is replaced on refresh, so its events are caught on the document.
document.addEventListener('change', (event) => {
  const box = event.target;
  if (box.classList?.contains('row-select')) {
    if (box.checked) selected.add(box.value);
    else selected.delete(box.value);
    syncSelection();
  } else if (box.id === 'select-all') {
    for (const row of rows()) {
      if (box.checked) selected.add(row.dataset.ref);
      else selected.delete(row.dataset.ref);
    }
    syncSelection();
  }
});

// Refresh -------------------------------------------------------------------------------------
const valid = () => document.getElementById('schedules-view')?.dataset.valid === 'true';
let lastRefresh = Date.now();

async function refresh(url = location.href) {
  const doc = await reread(url);
  // Keyboard users keep their place: the same row's checkbox or link after the swap.
  const focusedRow = document.activeElement?.closest?.('#schedules-body tr')?.dataset.ref;
  const focusedPart = document.activeElement?.classList.contains('row-select')
    ? '.row-select'
    : document.activeElement?.matches?.('[data-log-job]')
      ? '[data-log-job]'
      : '.col-job a';
  if (!swap(doc, 'schedules-view')) throw new Error('the page could not be read');
  lastRefresh = Date.now();
  if (focusedRow) document.querySelector(`#schedules-body tr[data-ref="${CSS.escape(focusedRow)}"] ${focusedPart}`)?.focus();
  syncSelection();
}

const running = () => rows().some((row) => row.dataset.runStatus === 'running');
whileVisible(cfg.runningRefreshMs, async () => {
  if (!valid() || (!running() && Date.now() - lastRefresh < cfg.refreshMs)) return;
  await refresh().catch((error) => announce(`Refresh failed: ${error.message}`, 'error'));
});

// Filters -------------------------------------------------------------------------------------
/** The view the filter form stands for, in the server's canonical form (all statuses is no filter). */
function filterUrl() {
  const form = new FormData(filters);
  const statuses = form.getAll('status');
  const params = new URLSearchParams();
  if (statuses.length > 0 && statuses.length < filters.querySelectorAll('input[name="status"]').length) params.set('status', statuses.join(','));
  const q = String(form.get('q') ?? '').trim();
  if (q !== '') params.set('q', q);
  const query = params.toString().replaceAll('%2C', ',');
  return query === '' ? '/schedules' : `/schedules?${query}`;
}

async function applyFilters() {
  const url = filterUrl();
  if (url === location.pathname + location.search) return;
  history.replaceState(null, '', url);
  await refresh(url).catch((error) => announce(`Filtering failed: ${error.message}`, 'error'));
}

let typing = null;
filters?.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(typing);
  void applyFilters();
});
filters?.addEventListener('change', (event) => {
  if (event.target.name === 'status') void applyFilters();
});
filters?.querySelector('input[name="q"]')?.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(applyFilters, TYPING_PAUSE_MS);
});

// Logs ----------------------------------------------------------------------------------------
setupLogDialog({
  pollMs: cfg.pollMs,
  tailMs: cfg.tailMs,
  onSeen: (jobId) => {
    for (const icon of document.querySelectorAll(`.logs-icon[data-log-job="${CSS.escape(jobId)}"]`)) {
      icon.classList.remove('logs-icon--unread');
      const label = icon.getAttribute('aria-label').replace(/^Unread logs/, 'Logs');
      icon.setAttribute('aria-label', label);
      icon.title = label;
    }
  },
});

syncSelection();
