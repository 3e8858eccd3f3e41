// The operator console: polls monitoring's console API, renders what it answers, and starts
// replays through it. Plain ES modules, no framework, nothing loaded from elsewhere.
import { ago, failureText, feedLine, feedStatus, num, percent, traceUrl } from './console-view.js';

const KEY = 'keelson.console.apiKey';
const POLL = { overview: 1500, dlq: 2000 };
const feeds = { overview: {}, dlq: {} };
const $ = (id) => document.getElementById(id);
let jaegerUrl = null;
let overviewTimer;
let dlqTimer;

/** A DOM element: `h('td', { class: 'x' }, 'text', child)`; text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs))
    if (value !== undefined && value !== null && value !== false)
      el.setAttribute(name, String(value));
  for (const child of children.flat())
    if (child !== undefined && child !== null)
      el.append(child instanceof Node ? child : String(child));
  return el;
}

function fill(tbodyId, rows, columns, empty) {
  const body = $(tbodyId);
  body.replaceChildren(
    ...(rows.length ? rows : [h('tr', { class: 'empty' }, h('td', { colspan: columns }, empty))]),
  );
}

async function call(method, path, body) {
  const key = sessionStorage.getItem(KEY);
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body && { 'content-type': 'application/json' }),
    },
    ...(body && { body: JSON.stringify(body) }),
  });
  const answer = await response.json().catch(() => undefined);
  if (response.status === 401) askForKey('The key was refused; enter another.');
  if (!response.ok) throw new Error(failureText(response.status, answer));
  return answer;
}

function showFeeds() {
  const now = Date.now();
  for (const [name, feed] of Object.entries(feeds)) {
    const status = feedStatus(feed, now, POLL[name]);
    const el = document.querySelector(`[data-feed="${name}"]`);
    el.textContent = feedLine(name === 'dlq' ? 'dead letters' : name, status);
    el.dataset.state = status.state;
  }
}

async function poll(name, path, render) {
  try {
    render(await call('GET', path));
    feeds[name].okAt = Date.now();
  } catch (error) {
    feeds[name].error = error.message;
    feeds[name].errorAt = Date.now();
  }
  showFeeds();
}

function renderOverview(view) {
  jaegerUrl = view.jaegerUrl;
  const now = Date.parse(view.generatedAt);
  const out = view.pool.filter((n) => n.status === 'out').length;
  $('pool-summary').textContent = `${view.pool.length} nodes, ${out} out of rotation`;
  fill(
    'pool',
    view.pool.map((n) =>
      h(
        'tr',
        {
          'data-node': n.nodeId,
          'data-routing': n.routing.state,
          'data-health': n.health.state,
          class: n.status,
        },
        h('td', {}, n.nodeId, h('div', { class: 'sub' }, n.address ?? 'not registered')),
        h('td', {}, h('span', { class: `pill ${n.health.state}` }, n.health.state)),
        h('td', {}, num(n.health.score)),
        h(
          'td',
          {},
          h('span', { class: `pill ${n.routing.state}` }, n.routing.state),
          n.routing.manual ? h('div', { class: 'sub' }, 'by an operator') : null,
          n.routing.until ? h('div', { class: 'sub' }, `probe ${ago(n.routing.until, now)}`) : null,
        ),
        h('td', {}, percent(n.routing.weight)),
        h('td', {}, num(n.callsPerSecond, 1)),
        h('td', {}, n.models.join(', ')),
        h('td', {}, [...n.health.reasons, n.routing.reason].filter(Boolean).join('; ')),
        h('td', {}, ago(n.routing.since ?? n.health.since, now)),
      ),
    ),
    9,
    'no prediction node registered',
  );
  $('firing-summary').textContent = `${view.alerts.firing.length} firing`;
  fill(
    'firing',
    view.alerts.firing.map((a) =>
      h(
        'tr',
        { 'data-alert': a.id, class: a.severity },
        h('td', {}, h('span', { class: `pill ${a.severity}` }, a.severity)),
        h('td', {}, a.kind),
        h('td', {}, a.target),
        h('td', {}, a.message),
        h('td', {}, ago(a.startsAt, now)),
      ),
    ),
    5,
    'nothing firing',
  );
  fill(
    'history',
    view.alerts.recent.map((a) =>
      h(
        'tr',
        { class: a.state },
        h('td', {}, a.state),
        h('td', {}, a.severity),
        h('td', {}, a.kind),
        h('td', {}, a.target),
        h('td', {}, a.message),
        h('td', {}, `${ago(a.startsAt, now)} ago`),
        h('td', {}, a.endsAt ? `${ago(a.endsAt, now)} ago` : ''),
      ),
    ),
    7,
    'no alerts yet',
  );
  fill(
    'models',
    view.models.flatMap((m) =>
      m.versions.map((v) =>
        h(
          'tr',
          { 'data-model': m.model, 'data-version': v.version },
          h('td', {}, m.model),
          h('td', {}, `v${v.version}`),
          h('td', {}, h('span', { class: `pill ${v.role}` }, v.role)),
          h('td', {}, h('meter', { min: 0, max: 1, value: v.share }), ` ${percent(v.share)}`),
          h('td', {}, v.nodes),
          h(
            'td',
            {},
            v.drift
              ? h(
                  'span',
                  { class: `pill drift-${v.drift.verdict}` },
                  `${v.drift.verdict} ${num(v.drift.maxPsi, 3)}`,
                )
              : h('span', { class: 'sub' }, 'no verdict yet'),
          ),
          h('td', {}, v.drift ? v.drift.features.join(', ') : ''),
        ),
      ),
    ),
    7,
    'no model in the models bucket',
  );
}

function traceLinks(traces) {
  return traces.map((id) => {
    const url = traceUrl(jaegerUrl, id);
    const short = id.slice(0, 8);
    return url
      ? h('a', { href: url, target: '_blank', rel: 'noopener', title: id, class: 'trace' }, short)
      : h('code', { title: id }, short);
  });
}

function renderDlq(view) {
  const now = Date.parse(view.generatedAt);
  const pending = view.groups.reduce((n, g) => n + g.replayable, 0);
  $('dlq-summary').textContent = `${view.groups.length} groups, ${pending} waiting`;
  fill(
    'groups',
    view.groups.map((g) =>
      h(
        'tr',
        { 'data-group': g.id },
        h('td', {}, g.stream, h('div', { class: 'sub' }, g.consumer)),
        h('td', { class: 'pattern' }, g.pattern),
        h('td', {}, g.failure),
        h('td', {}, g.replayable),
        h('td', {}, g.count),
        h('td', {}, g.autoReplay),
        h('td', {}, traceLinks(g.traces)),
        h('td', {}, ago(g.lastSeen, now)),
        h(
          'td',
          {},
          h(
            'button',
            {
              type: 'button',
              'data-replay': g.id,
              'data-count': g.replayable,
              disabled: g.replayable === 0 || g.runningTask !== null,
            },
            g.runningTask ? 'replaying' : 'Replay',
          ),
        ),
      ),
    ),
    9,
    'no dead letters',
  );
  fill(
    'tasks',
    view.tasks.map((t) =>
      h(
        'tr',
        { 'data-task': t.id, 'data-state': t.state, 'data-target': t.target },
        h('td', {}, h('code', {}, t.id)),
        h('td', { class: 'pattern' }, t.target),
        h(
          'td',
          {},
          h('span', { class: `pill task-${t.state}` }, t.state),
          t.error ? h('div', { class: 'sub' }, t.error) : null,
        ),
        h('td', {}, h('progress', { max: 1, value: t.progress }), ` ${t.replayed} / ${t.total}`),
        h('td', {}, t.auto ? 'recovery' : 'operator'),
        h('td', {}, t.reason),
        h('td', {}, `${ago(t.createdAt, now)} ago`),
      ),
    ),
    7,
    'no replay yet',
  );
}

async function replay(button) {
  const group = button.dataset.replay;
  if (!window.confirm(`Replay the ${button.dataset.count} waiting dead letters of ${group}?`))
    return;
  button.disabled = true;
  button.textContent = 'starting';
  try {
    await call('POST', '/v1/console/dlq/replays', {
      group,
      reason: 'replayed from the operator console',
    });
  } catch (error) {
    window.alert(`The replay was not started: ${error.message}`);
  }
  void pollDlq();
}

const pollOverview = () => poll('overview', '/v1/console/overview', renderOverview);
const pollDlq = () => poll('dlq', '/v1/console/dlq', renderDlq);

function start() {
  $('key-form').hidden = true;
  $('console').hidden = false;
  $('forget-key').hidden = false;
  clearInterval(overviewTimer);
  clearInterval(dlqTimer);
  void pollOverview();
  void pollDlq();
  overviewTimer = setInterval(pollOverview, POLL.overview);
  dlqTimer = setInterval(pollDlq, POLL.dlq);
}

function askForKey(why) {
  clearInterval(overviewTimer);
  clearInterval(dlqTimer);
  sessionStorage.removeItem(KEY);
  $('console').hidden = true;
  $('forget-key').hidden = true;
  $('key-form').hidden = false;
  $('key-form').querySelector('.hint').textContent =
    why ?? 'Kept in this tab only (sessionStorage).';
  $('key-input').focus();
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, $('key-input').value.trim());
  $('key-input').value = '';
  start();
});
$('forget-key').addEventListener('click', () => askForKey());
$('groups').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-replay]');
  if (button) void replay(button);
});
// The age in the header keeps counting between answers, so a stalled feed shows at once.
setInterval(showFeeds, 500);

if (sessionStorage.getItem(KEY)) start();
else askForKey();
