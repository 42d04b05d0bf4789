// Inspection view over every session the emulator has seen.
import type { AvatarRef, SessionRecord, SessionStatus } from './store/sessions';
import type { LivekitCounters } from './livekit';

export interface LedgerSession {
  id: string;
  status: SessionStatus;
  queued: boolean;
  avatar: AvatarRef;
  /** What the client asked for (null = not sent) and what the emulator runs (after the cap). */
  requestedMaxDuration: number | null;
  maxDuration: number;
  personality: string | null;
  startScript: string | null;
  toolCount: number;
  integration: string | null;
  roomName: string;
  /** Epoch milliseconds. */
  createdAt: number;
  readyAt: number | null;
  expiresAt: number | null;
  consumedAt: number | null;
  cancelledAt: number | null;
  endedAt: number | null;
  failedAt: number | null;
  duration: number | null;
  failureCode: string | null;
  failedBy: 'injected' | 'expired' | 'control' | null;
  expired: boolean;
  polls: number;
  pollsBeforeReady: number;
  consumeAttempts: number;
  consumeSuccesses: number;
  deletes: number;
  livekitDialIns: number;
  backendConnects: number;
  /** Neither consumed nor cancelled, and not failed by the emulator itself (expired READY sessions count). */
  orphan: boolean;
}

export interface Ledger {
  sessions: LedgerSession[];
  totals: {
    sessions: number;
    byStatus: Record<SessionStatus, number>;
    polls: number;
    pollsBeforeReady: number;
    consumeAttempts: number;
    consumeSuccesses: number;
    deletes: number;
    expired: number;
    livekitDialIns: number;
    livekitRejected: number;
    livekitValidations: number;
    backendConnects: number;
    faultsFired: number;
    orphans: number;
  };
  orphans: number;
  /** Requests received per operation (including ones answered by a fault). */
  requests: Record<string, number>;
}

/** Failures the emulator caused on its own (injection, control API) do not make orphans; expiry does. */
export function isOrphan(s: SessionRecord): boolean {
  return s.consumedAt === null && s.cancelledAt === null && !(s.failedBy === 'injected' || s.failedBy === 'control');
}

export function ledgerSession(s: SessionRecord): LedgerSession {
  return {
    id: s.id,
    status: s.status,
    queued: s.queued,
    avatar: s.avatar,
    requestedMaxDuration: s.requestedMaxDuration,
    maxDuration: s.maxDuration,
    personality: s.personality,
    startScript: s.startScript,
    toolCount: s.tools.length,
    integration: s.integration,
    roomName: s.roomName,
    createdAt: s.createdAt,
    readyAt: s.readyAt,
    expiresAt: s.expiresAt,
    consumedAt: s.consumedAt,
    cancelledAt: s.cancelledAt,
    endedAt: s.endedAt,
    failedAt: s.failedAt,
    duration: s.duration,
    failureCode: s.failureCode,
    failedBy: s.failedBy,
    expired: s.expired,
    polls: s.polls,
    pollsBeforeReady: s.pollsBeforeReady,
    consumeAttempts: s.consumeAttempts,
    consumeSuccesses: s.consumeSuccesses,
    deletes: s.deletes,
    livekitDialIns: s.livekitDialIns,
    backendConnects: s.backendConnects,
    orphan: isOrphan(s),
  };
}

export function buildLedger(
  sessions: SessionRecord[],
  extra: { livekit: LivekitCounters; faultsFired: number; requests: Map<string, number> },
): Ledger {
  const list = [...sessions].sort((a, b) => a.seq - b.seq).map(ledgerSession);
  const sum = (f: (s: LedgerSession) => number) => list.reduce((n, s) => n + f(s), 0);
  const byStatus: Record<SessionStatus, number> = { NOT_READY: 0, READY: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0 };
  for (const s of list) byStatus[s.status]++;
  const orphans = list.filter((s) => s.orphan).length;
  return {
    sessions: list,
    totals: {
      sessions: list.length,
      byStatus,
      polls: sum((s) => s.polls),
      pollsBeforeReady: sum((s) => s.pollsBeforeReady),
      consumeAttempts: sum((s) => s.consumeAttempts),
      consumeSuccesses: sum((s) => s.consumeSuccesses),
      deletes: sum((s) => s.deletes),
      expired: list.filter((s) => s.expired).length,
      livekitDialIns: extra.livekit.dialIns,
      livekitRejected: extra.livekit.rejected,
      livekitValidations: extra.livekit.validations,
      backendConnects: sum((s) => s.backendConnects),
      faultsFired: extra.faultsFired,
      orphans,
    },
    orphans,
    requests: Object.fromEntries([...extra.requests.entries()].sort(([a], [b]) => a.localeCompare(b))),
  };
}
