import type { ClientBudget } from '../access/clients';
import { AppError, isAppError } from '../errors';
import type { AdmissionGate, AdmissionRequest } from '../sessions/admission';
import type { SessionRecord } from '../store/registry';
import type { BudgetCounter, BudgetStore } from '../store/types';
import { sessionSeconds } from './duration';
import { isAnonymous } from './subjects';
import { secondsUntil, windowOf, type Window, type WindowKind } from './windows';

// Budgets are decided at admission, before anything is spent upstream: a session reserves its whole
// maxDuration (and one session) in every window that applies to its caller, atomically in the store,
// so parallel requests cannot overshoot. A session that never reached a client gives the reservation
// back; a delivered one settles to its real duration when it ends.

/** A reservation outlives any session (30 min at most) by far; if its settle is lost it stays counted. */
const HOLD_MS = 2 * 86_400_000;
/** Counters stay readable a day past their window. */
const KEEP_MS = 86_400_000;

export const ANONYMOUS_ALL = 'anonymous';

export interface AnonymousBudgets {
  /** Per address (per /56 for IPv6). */
  perAddress: ClientBudget;
  /** All anonymous callers together. */
  global: ClientBudget;
}

export interface BudgetExceeded {
  /** The caller refused (`key:acme`, `anon:…`). */
  clientId: string;
  /** Whose budget ran out: the caller's own, or all anonymous callers' together. */
  subject: string;
  window: WindowKind;
  resetsAt: string;
}

export interface BudgetWindowState {
  subject: string;
  window: WindowKind;
  period: string;
  resetsAt: string;
  limitMinutes: number | null;
  limitSessions: number | null;
  /** Settled session-minutes plus the maxDuration reserved by sessions not yet ended. */
  usedMinutes: number;
  sessions: number;
}

interface Planned {
  subject: string;
  window: Window;
  counter: BudgetCounter;
}

export interface BudgetsOptions {
  store: BudgetStore;
  /** Budgets of API-key clients by client id (`key:<name>`). */
  clients: ReadonlyMap<string, ClientBudget>;
  anonymous: AnonymousBudgets;
  /** Told once per refusal (webhooks, metrics). */
  onExceeded?: (event: BudgetExceeded) => void;
}

export class Budgets implements AdmissionGate {
  constructor(private readonly options: BudgetsOptions) {}

  async admit(leaseId: string, clientId: string, request: AdmissionRequest): Promise<void> {
    const plan = this.plan(clientId);
    if (!plan.length) return;
    const result = await this.options.store.reserve(leaseId, plan.map((p) => p.counter), request.maxDuration, HOLD_MS).catch((err: unknown) => {
      throw isAppError(err) ? err : new AppError('STORE_UNAVAILABLE', undefined, { retryAfter: 2, cause: err });
    });
    if (result.ok) return;
    const refused = plan[result.refusedBy]!;
    const retryAfter = secondsUntil(refused.window.endsAt);
    const resetsAt = new Date(refused.window.endsAt).toISOString();
    this.options.onExceeded?.({ clientId, subject: refused.subject, window: refused.window.kind, resetsAt });
    const whose = refused.subject === ANONYMOUS_ALL ? 'Anonymous callers have' : 'This client has';
    throw new AppError('USAGE_BUDGET_EXCEEDED', `${whose} used the session budget for this ${refused.window.kind} (resets at ${resetsAt}).`, {
      retryAfter,
      details: { window: refused.window.kind, resetsAt },
    });
  }

  delivered(leaseId: string): Promise<void> {
    return this.options.store.markDelivered(leaseId);
  }

  released(leaseId: string): Promise<void> {
    return this.options.store.release(leaseId);
  }

  /** The `ended` event: the reservation becomes the real duration. */
  async settle(record: SessionRecord): Promise<void> {
    if (record.leaseId) await this.options.store.settle(record.leaseId, sessionSeconds(record));
  }

  /** Current windows of a subject: `key:<name>`, `anon:<address>` or `anonymous` (all anonymous callers). */
  async state(subject: string, now = Date.now()): Promise<BudgetWindowState[]> {
    const plan = this.subjectPlan(subject, now);
    const uses = await this.options.store.read(plan.map((p) => p.counter.key));
    return plan.map((p, i) => ({
      subject: p.subject,
      window: p.window.kind,
      period: p.window.label,
      resetsAt: new Date(p.window.endsAt).toISOString(),
      limitMinutes: p.counter.limitSeconds === null ? null : p.counter.limitSeconds / 60,
      limitSessions: p.counter.limitSessions,
      usedMinutes: Math.round((uses[i]!.seconds / 60) * 100) / 100,
      sessions: uses[i]!.sessions,
    }));
  }

  /** Forgets the current windows' counts (reservations of running sessions are not counted again). */
  async reset(subject: string, now = Date.now()): Promise<void> {
    await this.options.store.reset(this.subjectPlan(subject, now).map((p) => p.counter.key));
  }

  private plan(clientId: string, now = Date.now()): Planned[] {
    const own = this.subjectPlan(clientId, now);
    return isAnonymous(clientId) ? [...own, ...this.subjectPlan(ANONYMOUS_ALL, now)] : own;
  }

  private subjectPlan(subject: string, now: number): Planned[] {
    const budget = subject === ANONYMOUS_ALL ? this.options.anonymous.global : isAnonymous(subject) ? this.options.anonymous.perAddress : this.options.clients.get(subject);
    if (!budget) return [];
    const planned: Planned[] = [];
    const add = (kind: WindowKind, minutes: number | undefined, sessions: number | undefined) => {
      if (minutes === undefined && sessions === undefined) return;
      const window = windowOf(kind, now);
      planned.push({
        subject,
        window,
        counter: {
          key: `${subject}:${kind}:${window.label}`,
          limitSeconds: minutes === undefined ? null : Math.floor(minutes * 60),
          limitSessions: sessions ?? null,
          ttlMs: window.endsAt - now + KEEP_MS,
        },
      });
    };
    add('day', budget.minutesPerDay, budget.sessionsPerDay);
    add('month', budget.minutesPerMonth, undefined);
    return planned;
  }
}

/** Settings → anonymous budgets; 0 means no budget. */
export function anonymousBudgets(config: {
  ANONYMOUS_BUDGET_MINUTES_PER_DAY: number;
  ANONYMOUS_BUDGET_SESSIONS_PER_DAY: number;
  ANONYMOUS_GLOBAL_BUDGET_MINUTES_PER_DAY: number;
  ANONYMOUS_GLOBAL_BUDGET_SESSIONS_PER_DAY: number;
}): AnonymousBudgets {
  const some = (n: number) => (n > 0 ? n : undefined);
  return {
    perAddress: { minutesPerDay: some(config.ANONYMOUS_BUDGET_MINUTES_PER_DAY), sessionsPerDay: some(config.ANONYMOUS_BUDGET_SESSIONS_PER_DAY) },
    global: { minutesPerDay: some(config.ANONYMOUS_GLOBAL_BUDGET_MINUTES_PER_DAY), sessionsPerDay: some(config.ANONYMOUS_GLOBAL_BUDGET_SESSIONS_PER_DAY) },
  };
}
