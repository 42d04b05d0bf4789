// Budget and usage windows are UTC calendar days and months, the same for every replica.

export type WindowKind = 'day' | 'month';

export interface Window {
  kind: WindowKind;
  /** 2026-11-30 for a day, 2026-11 for a month. */
  label: string;
  startsAt: number;
  endsAt: number;
}

export function windowOf(kind: WindowKind, now = Date.now()): Window {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (kind === 'day') {
    const startsAt = Date.UTC(y, m, d.getUTCDate());
    return { kind, label: dayOf(startsAt), startsAt, endsAt: startsAt + 86_400_000 };
  }
  const startsAt = Date.UTC(y, m, 1);
  return { kind, label: dayOf(startsAt).slice(0, 7), startsAt, endsAt: Date.UTC(y, m + 1, 1) };
}

/** YYYY-MM-DD (UTC) of an instant. */
export function dayOf(at: number | string): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Every day from `from` to `to` inclusive (YYYY-MM-DD), oldest first. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) days.push(dayOf(t));
  return days;
}

/** Seconds until the window resets, for Retry-After (at least 1). */
export function secondsUntil(endsAt: number, now = Date.now()): number {
  return Math.max(1, Math.ceil((endsAt - now) / 1000));
}
