// The queue page: each look from the server redraws the counts, the chart
// and the tables. Ages are computed against the server's clock (polledAt).
import { age, el, hms, listen, post, taskHref } from './common.js';

/** Replaces the rows of a table's body; `empty` is the line shown when there are none. */
function fill(tableId, rows, empty) {
  const body = document.querySelector(`#${tableId} tbody`);
  const columns = document.querySelectorAll(`#${tableId} th`).length;
  body.replaceChildren(...(rows.length > 0 ? rows : [el('tr', {}, el('td', { class: 'empty', colspan: String(columns) }, empty))]));
}

/** A cell with the call's id, linked to its task page. */
function idCell(call) {
  if (!call.id) return el('td', { class: 'id' }, '?');
  return el('td', { class: 'id' }, el('a', { href: taskHref(call.id) }, call.id.slice(0, 8)));
}

function ago(snapshot, iso) {
  return iso ? `${age(Date.parse(snapshot.polledAt) - Date.parse(iso))} ago` : '';
}

function drawCounts(info) {
  const inFlight = info.inFlight === null ? null : Object.values(info.inFlight).reduce((n, c) => n + c.messages, 0);
  const alive = info.consumers === null ? null : info.consumers.filter((c) => c.alive).length;
  const counts = [
    ['waiting', info.waiting],
    ['in flight', inFlight],
    ['scheduled', info.scheduled],
    ['consumers alive', alive],
    ['dead letters', info.deadLetters],
    ['results unread', info.results],
  ];
  document.getElementById('counts').replaceChildren(
    ...counts.map(([label, n]) => el('div', { class: 'count', 'data-count': label }, el('b', {}, n ?? 'n/a'), el('span', {}, label))),
  );
}

/** Bars of calls done per bucket, drawn into the SVG (300 × 60 units). */
function drawThroughput({ counts, bucketMs }) {
  const svg = document.getElementById('throughput');
  const ns = 'http://www.w3.org/2000/svg';
  const most = Math.max(1, ...counts);
  const width = 300 / counts.length;
  const shapes = counts.map((n, i) => {
    const bar = document.createElementNS(ns, 'rect');
    const height = (n / most) * 50;
    bar.setAttribute('x', String(i * width + 0.5));
    bar.setAttribute('y', String(55 - height));
    bar.setAttribute('width', String(width - 1));
    bar.setAttribute('height', String(height));
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${n} call${n === 1 ? '' : 's'} done, ${((counts.length - i - 1) * bucketMs) / 1000} s ago`;
    bar.append(title);
    return bar;
  });
  svg.replaceChildren(...shapes);
  const total = counts.reduce((sum, n) => sum + n, 0);
  document.getElementById('throughput-note').textContent = `${total} seen done in ${(counts.length * bucketMs) / 60000} min, at most ${Math.max(...counts)} in 10 s`;
}

function draw(snapshot) {
  const { info } = snapshot;
  document.getElementById('queue-name').textContent = `"${info.queue}"`;
  document.getElementById('backend').textContent = info.backend;
  drawCounts(info);
  drawThroughput(snapshot.throughput);
  const shown = snapshot.waiting.length;
  document.getElementById('waiting-note').textContent = info.waiting > shown ? `the oldest ${shown} of ${info.waiting}` : '';
  fill('waiting', snapshot.waiting.map((c) => el('tr', {}, idCell(c), el('td', {}, c.command), el('td', { class: 'mono' }, c.args), el('td', {}, ago(snapshot, c.enqueuedAt)))), 'nothing waiting');
  fill(
    'in-flight',
    snapshot.inFlight.map((c) =>
      el('tr', {}, idCell(c), el('td', {}, c.command), el('td', { class: 'mono' }, c.args), el('td', { class: 'mono' }, c.consumer), el('td', {}, ago(snapshot, c.since)), el('td', {}, c.deliveries > 1 ? `delivered ${c.deliveries}×` : ''), el('td', { class: 'mono' }, c.progress === undefined ? '' : JSON.stringify(c.progress))),
    ),
    'nothing running',
  );
  fill('scheduled', snapshot.scheduled.map((c) => el('tr', {}, idCell(c), el('td', {}, c.command), el('td', { class: 'mono' }, c.args), el('td', {}, `${hms(c.eta, false)} UTC`))), 'nothing scheduled');
  fill(
    'consumers',
    (info.consumers ?? []).map((c) =>
      el('tr', { class: c.alive ? 'alive' : 'dead' }, el('td', { class: 'mono' }, c.id), el('td', {}, c.alive ? 'alive' : 'gone'), el('td', {}, c.beatAgoMs === null ? 'unknown' : `${age(c.beatAgoMs)} ago`)),
    ),
    info.consumers === null ? 'this backend keeps no heartbeats' : 'no consumer',
  );
  fill('dead-letters', snapshot.deadLetters.map((d) => el('tr', {}, idCell(d), el('td', {}, d.command), el('td', {}, d.reason), el('td', {}, ago(snapshot, d.at)))), 'no dead letters');
}

for (const [button, path] of [['requeue', 'api/dead-letters/requeue'], ['purge', 'api/dead-letters/purge']]) {
  document.getElementById(button).addEventListener('click', async () => {
    document.getElementById('action-result').textContent = await post(path);
  });
}

listen((look) => {
  if (look.snapshot) draw(look.snapshot);
});
