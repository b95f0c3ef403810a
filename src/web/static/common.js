// Helpers shared by the two pages. Everything the page shows comes from this
// server: the stream of looks at the queue (api/events) and the JSON answers
// of huey info and huey trace (api/info, api/tasks/<id>). Every address is
// relative to the view's root, so the view works mounted under any path.

/**
 * The token from the address huey web printed, when the page was opened with
 * it. The server also kept it in a cookie at that first visit, which the
 * page's requests carry, so the token is not needed in later addresses.
 */
export const token = new URLSearchParams(location.search).get('token') ?? '';

/** The view's root: `/` for huey web, `/admin/queue/` when mounted there. */
export const base = (() => {
  const path = location.pathname;
  const at = path.lastIndexOf('/task/');
  return at >= 0 ? path.slice(0, at + 1) : path.replace(/[^/]*$/, '');
})();

/** An element with attributes and children (text is set as text, never parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) node.setAttribute(name, value);
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

/** The address of a task's page (the cookie carries the token). */
export function taskHref(id) {
  return `${base}task/${encodeURIComponent(id)}`;
}

/** `3 s`, `2 min`, `5 h`, as huey info says it. */
export function age(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** `12:00:03.120` (UTC), as huey trace prints times. */
export function hms(iso, ms = true) {
  return new Date(iso).toISOString().slice(11, ms ? 23 : 19);
}

/** Sends an action with the token; resolves to the line to show. */
export async function post(path) {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: token ? { 'x-huey-token': token } : {} });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) return `refused (${response.status}): ${body.error ?? response.statusText}`;
  return Object.entries(body).map(([what, n]) => `${what} ${n}`).join(', ');
}

/**
 * Listens to the stream of looks at the queue: `onLook` gets each one
 * (`{ snapshot }` or `{ error }`); the status line says whether it is live.
 * The browser reconnects by itself when the server comes back.
 */
export function listen(onLook) {
  const status = document.getElementById('status');
  const events = new EventSource(`${base}api/events`);
  events.onmessage = (message) => {
    const look = JSON.parse(message.data);
    status.className = look.error ? 'status down' : 'status live';
    status.textContent = look.error ? `backend unreachable: ${look.error}` : `live, ${hms(look.snapshot.polledAt, false)} UTC`;
    onLook(look);
  };
  events.onerror = () => {
    status.className = 'status down';
    status.textContent = 'disconnected: retrying…';
  };
  return events;
}
