// Live parts the server renders: the page's URL is read again and those parts moved in.
// DOMParser builds an inert document (nothing in it runs, no resource loads), and the parts are
// the server's own markup, so they read exactly as after a full load, with no twin to keep in step.

/**
 * The page at `url` as an inert document. A session that ended sends the browser to sign in.
 * `live` asks for the page's live parts only (the server may leave out what the script does not swap).
 */
export async function reread(url, { live = false } = {}) {
  const headers = { accept: 'text/html', ...(live ? { [LIVE_HEADER]: '1' } : {}) };
  const response = await fetch(url, { credentials: 'same-origin', headers });
  if (new URL(response.url).pathname === '/sign-in') {
    location.assign(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new Error('Your session has ended.');
  }
  if (response.status >= 500) throw new Error(`the page answered ${response.status}`);
  return new DOMParser().parseFromString(await response.text(), 'text/html');
}

/** The request header of a live refresh (web/src/routes/job-route.tsx reads it). */
export const LIVE_HEADER = 'x-stint-live';

/**
 * Replaces the element with this id by its counterpart in `doc`; false when either is missing.
 * An unchanged part is left in place, so focus and text selection inside it survive.
 */
export function swap(doc, id) {
  const fresh = doc.getElementById(id);
  const here = document.getElementById(id);
  if (!fresh || !here) return false;
  if (!fresh.isEqualNode(here)) here.replaceWith(document.adoptNode(fresh));
  return true;
}
