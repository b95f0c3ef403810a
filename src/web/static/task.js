// The task page: the task's trace as a timeline (GET /api/tasks/<id>, the
// answer of huey trace --json), redrawn when the live stream shows the task
// moving (waiting, in flight, scheduled, dead) or the results changing.
import { base, el, hms, listen, post } from './common.js';

const taskId = decodeURIComponent(location.pathname.slice(`${base}task/`.length));
document.getElementById('task-id').textContent = taskId;

/** What each event says besides its name, as huey trace prints it. */
const DETAILS = {
  enqueued: (p) => `${p.command}${p.eta ? `, eta ${hms(p.eta)}` : ''}, ${p.retries} retries`,
  received: (p) => (p.fromSchedule ? 'from the schedule' : 'from the queue'),
  scheduled: (p) => `for ${hms(p.eta)}`,
  started: (p) => [p.attempt > 1 ? `attempt ${p.attempt}` : '', p.deliveries > 1 ? `delivered ${p.deliveries}×` : ''].filter(Boolean).join(', '),
  finished: (p) => `in ${Number(p.duration).toFixed(1)} ms`,
  failed: (p) => `${p.error} (${p.retries} retries left)`,
  retrying: (p) => `again at ${hms(p.eta)}, ${p.retries} retries left after it`,
  resultStored: (p) => (p.ok ? 'the result' : 'the error'),
  resultRead: (p) => (p.ok ? 'the result' : 'the error'),
  deadLettered: (p) => String(p.reason),
};

/** `+1.02 s` or `+12 ms`: the gap since the step before. */
function gap(ms) {
  return ms >= 1000 ? `+${(ms / 1000).toFixed(2)} s` : `+${Math.round(ms)} ms`;
}

function draw(report) {
  document.getElementById('where').textContent = report.summary;
  document.getElementById('progress').textContent = report.progress === undefined ? '' : `progress: ${JSON.stringify(report.progress)}`;
  const command = report.events.map((e) => e.payload.command).find((c) => typeof c === 'string');
  document.getElementById('command').textContent = command ? `command ${command}` : '';
  let previous;
  const steps = report.events.map((e) => {
    const at = Date.parse(e.time);
    const item = el(
      'li',
      { class: e.event },
      el('span', { class: 'mono' }, hms(e.time)),
      previous === undefined ? '' : el('span', { class: 'gap' }, gap(at - previous)),
      ' ',
      el('span', { class: 'event' }, e.event),
      ' ',
      DETAILS[e.event]?.(e.payload) ?? '',
      ' ',
      el('span', { class: 'where-from' }, `${e.host} pid ${e.pid}`),
    );
    previous = at;
    return item;
  });
  const fallback = (report.history ?? []).length > 0 ? report.history.map(historyItem) : [el('li', {}, 'nothing traced: start producers with trace: true and the consumer with --trace')];
  document.getElementById('timeline').replaceChildren(...(steps.length > 0 ? steps : fallback));
}

/** One entry of the queue's history (what a consumer recorded when the call's fate was settled), drawn when the trace has nothing. */
function historyItem(h) {
  const ran = h.runMs === null ? '' : `in ${Number(h.runMs).toFixed(1)} ms`;
  const attempt = h.attempt === null ? '' : `attempt ${h.attempt}${h.deliveries > 1 ? `, delivered ${h.deliveries}×` : ''}`;
  return el(
    'li',
    { class: `history ${h.outcome}` },
    el('span', { class: 'mono' }, hms(h.at)),
    ' ',
    el('span', { class: 'event' }, h.outcome),
    ' ',
    [ran, attempt, h.error ?? ''].filter(Boolean).join(', '),
    ' ',
    el('span', { class: 'where-from' }, `${h.by} (history)`),
  );
}

async function load() {
  const response = await fetch(`${base}api/tasks/${encodeURIComponent(taskId)}`);
  const body = await response.json();
  if (!response.ok) {
    document.getElementById('where').textContent = body.error;
    return;
  }
  draw(body);
}

/** Where the task shows in one look: it changes when the task moves. */
function footprint(snapshot) {
  const places = ['waiting', 'inFlight', 'scheduled', 'deadLetters'];
  return JSON.stringify([...places.map((place) => snapshot[place].some((c) => c.id === taskId)), snapshot.info.results]);
}

let last;
listen((look) => {
  if (!look.snapshot) return;
  const now = footprint(look.snapshot);
  if (now !== last) void load();
  last = now;
});

document.getElementById('revoke').addEventListener('click', async () => {
  document.getElementById('action-result').textContent = await post(`api/tasks/${encodeURIComponent(taskId)}/revoke`);
});
