// The ticked rows of a list page: ids no longer shown are dropped, and the set is mirrored
// into each row's checkbox, the select-all box and the "n selected" count.
import { plural } from './operations.js';

export function syncRowSelection(selected, rows, idOf, noun) {
  for (const id of [...selected]) if (!rows.some((row) => idOf(row) === id)) selected.delete(id);
  for (const row of rows) {
    const on = selected.has(idOf(row));
    row.classList.toggle('is-selected', on);
    const box = row.querySelector('.row-select');
    if (box) box.checked = on;
  }
  const all = document.getElementById('select-all');
  if (all) {
    all.checked = rows.length > 0 && selected.size === rows.length;
    all.indeterminate = selected.size > 0 && selected.size < rows.length;
  }
  const count = document.getElementById('selection-count');
  if (count) count.textContent = selected.size === 0 ? `No ${noun}s selected` : `${plural(selected.size, noun)} selected`;
}
