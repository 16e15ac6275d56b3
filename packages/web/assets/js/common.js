// Shared by every page: the time zone cookie, the page's config, the live notice, and the
// api client that sends the session's CSRF token. Data from the server is only ever placed
// with textContent or attributes, never parsed as HTML.

const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const FLASH_KEY = 'stint.flash';

rememberTimeZone();
for (const input of document.querySelectorAll('input[data-time-zone]')) input.value = TIME_ZONE;
showFlash();

/** The server renders times in the zone this cookie names; the sign-in form sets it too. */
function rememberTimeZone() {
  const current = document.cookie.split('; ').find((c) => c.startsWith('stint-tz='));
  if (current === `stint-tz=${encodeURIComponent(TIME_ZONE)}`) return;
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser the monitor supports (Firefox, Safari before 18.4).
  document.cookie = `stint-tz=${encodeURIComponent(TIME_ZONE)}; Path=/; Max-Age=31536000; SameSite=Strict${secure}`;
  const shown = document.getElementById('shown-time-zone');
  // Times on this page were rendered in another zone: show them again once, in the right one.
  if (shown && shown.textContent !== TIME_ZONE && !sessionStorage.getItem('stint.tzReload')) {
    sessionStorage.setItem('stint.tzReload', '1');
    location.reload();
  }
}

export function config() {
  const meta = document.querySelector('meta[name="stint-config"]');
  return meta ? JSON.parse(meta.content) : {};
}

/** Says something in the page's live region (read by screen readers, visible to everyone). */
export function announce(message, tone = 'info') {
  const notice = document.getElementById('notice');
  if (!notice) return;
  notice.className = `notice notice--${tone}`;
  notice.textContent = message;
}

/** A message that survives the navigation that follows it. */
export function flash(message, tone = 'ok') {
  sessionStorage.setItem(FLASH_KEY, JSON.stringify({ message, tone }));
}

function showFlash() {
  const raw = sessionStorage.getItem(FLASH_KEY);
  if (raw === null) return;
  sessionStorage.removeItem(FLASH_KEY);
  const { message, tone } = JSON.parse(raw);
  announce(message, tone);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the JSON api with the session cookie. Mutations carry the CSRF token the page was
 * rendered with. A 401 means the session ended: back to sign in, then to this page.
 */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = document.querySelector('meta[name="stint-csrf"]')?.content ?? '';
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status === 401) {
    location.assign(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, 'unauthorized', 'Your session has ended.');
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.error?.code ?? 'internal', data?.error?.message ?? `request failed (${response.status})`);
  return { status: response.status, data };
}

/** Builds an element; strings become text nodes, so data can never turn into markup. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

/** Runs `work` every `everyMs` while the tab is visible; a hidden tab makes no requests. */
export function whileVisible(everyMs, work) {
  let timer = null;
  let busy = false;
  let stopped = false;
  const schedule = () => {
    if (timer === null && !stopped && !document.hidden) timer = setTimeout(run, everyMs);
  };
  const run = async () => {
    timer = null;
    if (stopped || document.hidden || busy) return;
    busy = true;
    try {
      await work();
    } finally {
      busy = false;
    }
    schedule();
  };
  document.addEventListener('visibilitychange', () => {
    clearTimeout(timer);
    timer = null;
    // Back in view: catch up at once rather than a full period later.
    if (!document.hidden) run();
  });
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
