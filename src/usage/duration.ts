import type { SessionRecord } from '../store/registry';

/**
 * Session-seconds of a delivered session: from delivery to its end, capped by its maxDuration
 * (Runway cuts the call there). Whole seconds, rounded up; 0 when it never reached a client.
 */
export function sessionSeconds(record: Pick<SessionRecord, 'deliveredAt' | 'endedAt' | 'maxDuration'>): number {
  if (!record.deliveredAt || !record.endedAt) return 0;
  const ms = Date.parse(record.endedAt) - Date.parse(record.deliveredAt);
  if (!Number.isFinite(ms) || ms <= 0) return 0;
  return Math.min(Math.ceil(ms / 1000), record.maxDuration);
}
