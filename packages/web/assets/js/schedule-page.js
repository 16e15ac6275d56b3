// A schedule's window: tabs switched in place (the ARIA tabs pattern: arrows, Home, End), the
// planning form's time fields added and removed, its days/times/zone greyed out unless
// "Scheduled" is picked, the runs table refreshed while one runs, and the log popup.
import { announce, config, el, whileVisible } from './common.js';
import { setupLogDialog } from './log-dialog.js';
import { reread, swap } from './page-refresh.js';

const cfg = config();

// Tabs ----------------------------------------------------------------------------------------
const tabs = [...document.querySelectorAll('#schedule-tabs [role="tab"]')];

function select(tab, focus) {
  for (const other of tabs) {
    const on = other === tab;
    other.setAttribute('aria-selected', String(on));
    other.tabIndex = on ? 0 : -1;
    document.getElementById(other.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  // The URL names the tab, so a reload or a shared link opens it; a save's notice is not repeated.
  const url = new URL(location.href);
  url.searchParams.delete('saved');
  if (tab.dataset.tab === 'information') url.searchParams.delete('tab');
  else url.searchParams.set('tab', tab.dataset.tab);
  history.replaceState(null, '', url.pathname + url.search.replaceAll('%2C', ','));
}

for (const [index, tab] of tabs.entries()) {
  tab.addEventListener('click', (event) => {
    event.preventDefault();
    select(tab, false);
  });
  tab.addEventListener('keydown', (event) => {
    const to = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    select(tabs[(to + tabs.length) % tabs.length], true);
  });
}

// Planning form -------------------------------------------------------------------------------
const planningForm = document.getElementById('planning-form');
const editable = planningForm && !planningForm.querySelector('fieldset.plain')?.disabled;
const detail = document.getElementById('planning-detail');
const times = document.getElementById('times');

function syncPlanningType() {
  const scheduled = planningForm.querySelector('input[name="planning"]:checked')?.value === 'scheduled';
  detail.classList.toggle('is-inactive', !scheduled);
  for (const control of detail.querySelectorAll('input, button')) control.disabled = !scheduled;
}

/** Labels follow the order, so "Time 2" is always the second field. */
function renumber() {
  for (const [index, item] of [...times.children].entries()) {
    const input = item.querySelector('input');
    input.id = `time-${index}`;
    item.querySelector('label').htmlFor = input.id;
    item.querySelector('label').textContent = `Time ${index + 1}`;
    item.querySelector('.remove-time').setAttribute('aria-label', `Remove time ${index + 1}`);
  }
}

function timeItem() {
  return el(
    'li',
    { class: 'times__item' },
    el('label', { class: 'visually-hidden' }),
    el('input', { type: 'time', name: 'times' }),
    el('button', { type: 'button', class: 'button button--quiet remove-time' }, 'Remove'),
  );
}

if (editable) {
  // The blank field the server adds for script-less use is the script's "Add a time" instead.
  const blank = [...times.querySelectorAll('input')].filter((input) => input.value === '');
  if (times.children.length > 1) for (const input of blank) input.closest('li').remove();
  for (const button of times.querySelectorAll('.remove-time')) button.hidden = false;
  document.getElementById('add-time').hidden = false;
  renumber();

  times.addEventListener('click', (event) => {
    const button = event.target.closest('.remove-time');
    if (!button) return;
    const item = button.closest('li');
    // The last field is emptied rather than removed, so there is always one to type in.
    if (times.children.length === 1) item.querySelector('input').value = '';
    else item.remove();
    renumber();
    times.querySelector('input')?.focus();
  });
  document.getElementById('add-time').addEventListener('click', () => {
    const item = timeItem();
    times.append(item);
    renumber();
    item.querySelector('input').focus();
  });
  planningForm.addEventListener('change', (event) => {
    if (event.target.name === 'planning') syncPlanningType();
  });
  syncPlanningType();
}

// Latest executions ---------------------------------------------------------------------------
const runningRun = () => document.querySelector('#runs-body tr[data-run-status="running"]') !== null;
if (runningRun()) {
  const poller = whileVisible(cfg.pollMs, async () => {
    try {
      const doc = await reread(location.href);
      swap(doc, 'runs-body');
      if (!runningRun()) poller.stop();
    } catch (error) {
      announce(`Refreshing the executions failed: ${error.message}`, 'error');
    }
  });
}

setupLogDialog({ pollMs: cfg.pollMs, tailMs: cfg.tailMs });
