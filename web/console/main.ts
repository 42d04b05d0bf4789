// /console: polls GET /api/console/state with the admin key typed into the page (kept in memory
// only) and renders it. Plain DOM, no framework: the page is small and read-only.
import '../playground/playground.css';

interface Timing {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}
interface Session {
  sessionId: string;
  client: string;
  avatar: { type: string; id: string };
  status: string;
  requestedAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  pooled?: boolean;
}
interface State {
  generatedAt: string;
  capacity: { limit: number; used: number; free: number };
  inFlight: Session[];
  running: Session[];
  recentlyEnded: Session[];
  clients: { client: string; used: number; limit: number | null }[];
  errors: { code: string; status: number; count: number; lastAt: string }[];
  upstream: (Timing & { op: string })[];
  timeToReady: Timing;
  timeToCredentials: Timing;
  pool?: { avatarId: string; ready: number; warming: number; target: number }[];
}

const { statePath } = JSON.parse(document.getElementById('console-config')!.textContent!) as { statePath: string };
const POLL_MS = 2000;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function table(caption: string, headers: string[], rows: (string | number)[][], empty: string, testId: string): HTMLElement {
  if (!rows.length) return el('p', { class: 'hint', 'data-testid': testId }, `${caption}: ${empty}`);
  return el(
    'table',
    { 'data-testid': testId },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, String(c)))))),
  );
}

const ms = (t: Timing) => (t.count ? `${t.meanMs} ms mean, p50 ≤ ${t.p50Ms ?? '—'} ms, p95 ≤ ${t.p95Ms ?? '—'} ms (${t.count})` : 'no data yet');
const age = (iso: string | null, now: number) => (iso ? `${Math.max(0, Math.round((now - Date.parse(iso)) / 1000))} s ago` : '—');

function sessionRows(list: Session[], now: number): (string | number)[][] {
  return list.map((s) => [s.sessionId, s.client, `${s.avatar.id}${s.pooled ? ' (pooled)' : ''}`, s.status, age(s.requestedAt ?? s.createdAt, now), s.endReason ?? '']);
}

function render(state: State): Node[] {
  const now = Date.parse(state.generatedAt);
  const { limit, used, free } = state.capacity;
  const sessionHeaders = ['Session', 'Client', 'Avatar', 'Status', 'Started', 'End reason'];
  const nodes: Node[] = [
    el('section', { 'aria-labelledby': 'cap-h' },
      el('h2', { id: 'cap-h' }, 'Capacity'),
      el('p', { 'data-testid': 'capacity' }, `${used} of ${limit} slots used, ${free} free`),
      el('progress', { max: String(limit), value: String(used), 'aria-label': 'Global capacity used' }),
    ),
    el('section', { 'aria-labelledby': 'sessions-h' },
      el('h2', { id: 'sessions-h' }, 'Sessions'),
      table('Starting (in flight)', sessionHeaders, sessionRows(state.inFlight, now), 'none', 'in-flight'),
      table('Running', sessionHeaders, sessionRows(state.running, now), 'none', 'running'),
      table('Recently ended', sessionHeaders, sessionRows(state.recentlyEnded, now), 'none', 'ended'),
    ),
    el('section', { 'aria-labelledby': 'clients-h' },
      el('h2', { id: 'clients-h' }, 'Clients'),
      table('Slots in use per client', ['Client', 'In use', 'Limit'], state.clients.map((c) => [c.client, c.used, c.limit ?? '—']), 'no clients yet', 'clients'),
    ),
    el('section', { 'aria-labelledby': 'errors-h' },
      el('h2', { id: 'errors-h' }, 'Errors (last 15 minutes)'),
      table('Errors by code', ['Code', 'Status', 'Count', 'Last'], state.errors.map((e) => [e.code, e.status, e.count, age(e.lastAt, now)]), 'none', 'errors'),
    ),
    el('section', { 'aria-labelledby': 'latency-h' },
      el('h2', { id: 'latency-h' }, 'Latency'),
      el('p', {}, `Request to READY: ${ms(state.timeToReady)}`),
      el('p', {}, `Request to credentials: ${ms(state.timeToCredentials)}`),
      table('Runway API per operation', ['Operation', 'Attempts', 'Mean', 'p50 ≤', 'p95 ≤'], state.upstream.map((u) => [u.op, u.count, `${u.meanMs ?? '—'} ms`, `${u.p50Ms ?? '—'} ms`, `${u.p95Ms ?? '—'} ms`]), 'no calls yet', 'upstream'),
    ),
  ];
  if (state.pool) {
    nodes.push(el('section', { 'aria-labelledby': 'pool-h' },
      el('h2', { id: 'pool-h' }, 'Warm pool'),
      table('Warm sessions per avatar', ['Avatar', 'Ready', 'Warming', 'Target'], state.pool.map((p) => [p.avatarId, p.ready, p.warming, p.target]), 'empty', 'pool'),
    ));
  }
  return nodes;
}

let key = '';
let timer: ReturnType<typeof setTimeout> | undefined;
const view = el('div', { id: 'view' });
const status = el('p', { class: 'hint', role: 'status', 'data-testid': 'status' }, 'Enter an admin key to see the broker.');

async function poll(): Promise<void> {
  clearTimeout(timer);
  const res = await fetch(statePath, { headers: { Authorization: `Bearer ${key}` }, cache: 'no-store' }).catch(() => null);
  if (!res) status.textContent = 'The broker is unreachable; retrying.';
  else if (res.status === 401 || res.status === 403) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    status.textContent = `Refused (${res.status}): ${body.error ?? 'an admin key is required'}`;
    view.replaceChildren();
    return; // no retry with a refused key
  } else if (!res.ok) status.textContent = `The broker answered ${res.status}; retrying.`;
  else {
    const state = (await res.json()) as State;
    view.replaceChildren(...render(state));
    status.textContent = `Updated ${new Date(state.generatedAt).toLocaleTimeString()} (every ${POLL_MS / 1000} s)`;
  }
  timer = setTimeout(() => void poll(), POLL_MS);
}

const input = el('input', { id: 'admin-key', type: 'password', autocomplete: 'off' });
const form = el('form', { class: 'row', 'aria-label': 'Admin key' },
  el('label', { for: 'admin-key' }, 'Admin API key'), input, el('button', { type: 'submit', class: 'primary' }, 'Connect'));
form.addEventListener('submit', (e) => {
  e.preventDefault();
  key = input.value.trim();
  status.textContent = 'Loading…';
  void poll();
});

document.getElementById('root')!.replaceWith(
  el('main', {},
    el('h1', {}, 'Live console'),
    el('p', { class: 'lead' }, 'Read-only view of this broker: sessions, capacity, clients, errors and upstream latency. Needs an API key with the admin scope.'),
    el('section', { 'aria-labelledby': 'key-h' }, el('h2', { id: 'key-h' }, 'Access'), form, status),
    view,
  ),
);
