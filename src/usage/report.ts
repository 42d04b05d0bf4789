import type { UsageRow } from '../store/types';
import { USAGE_METRICS } from '../store/types';

export interface FlatRow {
  day: string;
  client: string;
  avatar: string;
  requested: number;
  delivered: number;
  failed: number;
  timedOut: number;
  sessionSeconds: number;
}

export function flatten(rows: UsageRow[]): FlatRow[] {
  return rows
    .map((r) => ({ day: r.day, client: r.client, avatar: r.avatar, ...r.counts }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.client.localeCompare(b.client) || a.avatar.localeCompare(b.avatar));
}

export function totals(rows: FlatRow[]): Record<(typeof USAGE_METRICS)[number], number> {
  const sum = Object.fromEntries(USAGE_METRICS.map((m) => [m, 0])) as Record<(typeof USAGE_METRICS)[number], number>;
  for (const row of rows) for (const m of USAGE_METRICS) sum[m] += row[m];
  return sum;
}

const COLUMNS = ['day', 'client', 'avatar', ...USAGE_METRICS] as const;

/** RFC 4180 CSV; text cells that a spreadsheet would run as a formula are prefixed with '. */
export function toCsv(rows: FlatRow[]): string {
  const cell = (value: string | number) => {
    let text = String(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((c) => cell(row[c])).join(','))].join('\r\n') + '\r\n';
}
