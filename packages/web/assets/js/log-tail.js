// A job's log tail, shared by the job page and the schedule pages' log popup: the lines past a
// cursor are polled (`after=<tailCursor>`) while the tab is visible and put on top, so the
// newest stays first as the pages list them.
import { api, el, whileVisible } from './common.js';
import { formatDateTime } from './format.js';

const MAX_LOG_ROWS = 1000;
/** Polls after the job ends, so its last lines still arrive. */
const GRACE_POLLS = 3;

/** The browser's copy of views/logs-panel.tsx's LogRow; `fresh` rows flash as they arrive. */
export function logRow(line, fresh = true) {
  return el(
    'tr',
    { class: `log-line${fresh ? ' is-new' : ''}${line.level === 'ERROR' ? ' log-line--error' : ''}` },
    el('td', { class: 'nowrap' }, el('time', { datetime: new Date(line.timestamp).toISOString() }, formatDateTime(line.timestamp))),
    el('td', {}, el('span', { class: `level level--${line.level.toLowerCase()}` }, line.level)),
    el('td', { class: 'log-message' }, line.message, line.additionalInfo ? el('code', { class: 'log-info' }, JSON.stringify(line.additionalInfo)) : null),
  );
}

/**
 * Follows `jobId`'s log into `body` every `everyMs` until `hasEnded()` has held for a few
 * polls. `onState` hears what the tail is doing, for a visible status. Returns { stop, cursor },
 * `cursor()` being where a later tail of the same lines would resume.
 */
export function followLog({ jobId, body, empty, cursor, query = {}, everyMs, hasEnded, onState }) {
  const path = `/api/jobs/${encodeURIComponent(jobId)}/logs`;
  let after = cursor;
  let grace = GRACE_POLLS;

  // Reads every line past the cursor; `partial` means the page filled, so it asks again (bounded).
  const once = async () => {
    for (let round = 0; round < 5; round++) {
      const { data } = await api(`${path}?${new URLSearchParams({ ...query, after, _size: '200' })}`);
      // Oldest first: each goes on top, so the newest ends up first.
      for (const line of data.items) body.prepend(logRow(line));
      if (data.items.length > 0 && empty) empty.hidden = true;
      while (body.rows.length > MAX_LOG_ROWS) body.lastElementChild.remove();
      after = data.tailCursor ?? after;
      if (!data.partial) return;
    }
  };

  onState('(following new lines)');
  const tailer = whileVisible(everyMs, async () => {
    if (hasEnded() && grace-- <= 0) {
      tailer.stop();
      onState('(the job has ended)');
      return;
    }
    await once().catch((error) => onState(`(paused: ${error.message})`));
  });
  return { stop: () => tailer.stop(), cursor: () => after };
}
