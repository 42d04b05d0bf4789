import type { Registry } from 'prom-client';
import type { ApiKeyClient } from '../access/clients';
import type { Config } from '../config';
import type { Admission } from '../sessions/admission';
import type { SessionEvent, SessionEvents } from '../sessions/events';
import { FINISHED_STATUSES, type SessionRecord } from '../store/registry';
import type { RecentErrors } from './error-tap';
import type { ConsoleSession, ConsoleState, ConsoleTiming, PoolView } from './schemas';

// The console's view of the broker. Sessions come from this replica's session events (records hold
// nothing secret); slots and caps from admission, which all replicas share; latencies from the
// Prometheus registry the broker already keeps.

const RECENT = 20;
/** A session still listed past its expiry plus this margin surely ended (on another replica, say). */
const STALE_MS = 120_000;

export interface ConsoleSources {
  config: Config;
  events: SessionEvents;
  admission: Admission;
  metrics: Registry;
  clients: ApiKeyClient[];
  errors: RecentErrors;
  /** The warm pool per avatar, once a warm pool exists. */
  pool?: () => Promise<PoolView[]>;
}

export class ConsoleView {
  private readonly live = new Map<string, ConsoleSession>();
  private readonly ended: ConsoleSession[] = [];
  private readonly unsubscribe: () => void;

  constructor(private readonly sources: ConsoleSources) {
    this.unsubscribe = sources.events.on((event) => this.note(event));
  }

  close(): void {
    this.unsubscribe();
  }

  private note({ record }: SessionEvent): void {
    const view = toView(record);
    if (FINISHED_STATUSES.has(record.status)) {
      this.live.delete(record.id);
      this.ended.unshift(view);
      this.ended.splice(RECENT);
    } else this.live.set(record.id, view);
  }

  async state(now = Date.now()): Promise<ConsoleState> {
    const { admission, config, metrics, errors, pool } = this.sources;
    for (const [id, s] of this.live) if (s.expiresAt && Date.parse(s.expiresAt) + STALE_MS < now) this.live.delete(id);
    const sessions = [...this.live.values()];
    const used = await admission.count();
    const limit = admission.globalLimit;
    const ids = new Set([...this.sources.clients.map((c) => `key:${c.name}`), ...sessions.map((s) => s.client)]);
    const clients = await Promise.all(
      [...ids].sort().map(async (client) => ({ client, used: await admission.count(client), limit: this.clientLimit(client, config) })),
    );
    const upstream = await histogram(metrics, 'broker_upstream_request_duration_seconds', 'op');
    return {
      generatedAt: new Date(now).toISOString(),
      capacity: { limit, used, free: Math.max(0, limit - used) },
      inFlight: sessions.filter((s) => s.status !== 'delivered'),
      running: sessions.filter((s) => s.status === 'delivered'),
      recentlyEnded: [...this.ended],
      clients,
      errors: errors.byCode(now),
      upstream: [...upstream.entries()].map(([op, t]) => ({ op, ...t })).sort((a, b) => a.op.localeCompare(b.op)),
      timeToReady: (await histogram(metrics, 'broker_session_time_to_ready_seconds')).get('') ?? EMPTY,
      timeToCredentials: (await histogram(metrics, 'broker_session_time_to_credentials_seconds')).get('') ?? EMPTY,
      ...(pool ? { pool: await pool() } : {}),
    };
  }

  private clientLimit(client: string, config: Config): number | null {
    if (client.startsWith('key:')) return this.sources.clients.find((c) => `key:${c.name}` === client)?.policy.maxConcurrent ?? null;
    if (client.startsWith('jwt:')) return config.CLIENT_MAX_CONCURRENT;
    if (client.startsWith('anon:')) return config.ANONYMOUS_MAX_CONCURRENT;
    return null;
  }
}

const EMPTY: ConsoleTiming = { count: 0, meanMs: null, p50Ms: null, p95Ms: null };

function toView(r: SessionRecord): ConsoleSession {
  const pooled = (r as SessionRecord & { pooled?: unknown }).pooled;
  return {
    sessionId: r.id,
    client: r.owner,
    avatar: r.avatar,
    status: r.status,
    requestedAt: r.requestedAt ?? null,
    createdAt: r.createdAt,
    readyAt: r.readyAt ?? null,
    deliveredAt: r.deliveredAt ?? null,
    expiresAt: r.expiresAt ?? null,
    endedAt: r.endedAt ?? null,
    endReason: r.endReason ?? null,
    ...(typeof pooled === 'boolean' ? { pooled } : {}),
  };
}

/** A Prometheus histogram (seconds) summarised per value of one label (or as a whole), in ms. */
async function histogram(registry: Registry, name: string, label?: string): Promise<Map<string, ConsoleTiming>> {
  const metric = registry.getSingleMetric(name);
  const out = new Map<string, ConsoleTiming>();
  if (!metric) return out;
  const { values } = await metric.get();
  const groups = new Map<string, { buckets: [number, number][]; sum: number; count: number }>();
  for (const v of values) {
    const key = label ? String(v.labels[label] ?? '') : '';
    const g = groups.get(key) ?? { buckets: [], sum: 0, count: 0 };
    groups.set(key, g);
    const suffix = (v as { metricName?: string }).metricName?.slice(name.length);
    if (suffix === '_sum') g.sum = v.value;
    else if (suffix === '_count') g.count = v.value;
    else if (suffix === '_bucket') g.buckets.push([v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), v.value]);
  }
  for (const [key, g] of groups) {
    const quantile = (q: number): number | null => {
      if (!g.count) return null;
      const bound = g.buckets.sort((a, b) => a[0] - b[0]).find(([, cumulative]) => cumulative >= q * g.count)?.[0];
      return bound === undefined || bound === Infinity ? null : Math.round(bound * 1000);
    };
    out.set(key, { count: g.count, meanMs: g.count ? Math.round((g.sum / g.count) * 1000) : null, p50Ms: quantile(0.5), p95Ms: quantile(0.95) });
  }
  return out;
}
