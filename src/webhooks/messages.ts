import type { SessionEvent } from '../sessions/events';
import type { SessionRecord } from '../store/registry';
import type { BudgetExceeded } from '../usage/budgets';
import { sessionSeconds } from '../usage/duration';

// What each webhook says. Built from the non-secret session record only: never a sessionKey, token,
// LiveKit URL or API key. `seq` orders one session's events at one endpoint.

export const WEBHOOK_TYPES = ['session.delivered', 'session.ended', 'session.failed', 'session.timed_out', 'usage.budget_exceeded', 'conversation.ready'] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export interface WebhookJob {
  /** Stable across retries and replicas: also the `webhook-id` header, so receivers can deduplicate. */
  id: string;
  endpointId: string;
  type: WebhookType;
  sessionId?: string;
  /** Position among this session's events (delivered 1, ended 2, conversation.ready 3). */
  seq: number;
  /** ISO time of the fact (the payload's `timestamp`). */
  at: string;
  data: Record<string, unknown>;
}

export const SEQ: Record<WebhookType, number> = {
  'session.delivered': 1,
  'session.failed': 1,
  'session.timed_out': 1,
  'session.ended': 2,
  'conversation.ready': 3,
  'usage.budget_exceeded': 0,
};

export function jobId(endpointId: string, type: WebhookType, subject: string): string {
  // BullMQ job ids may not contain ':'; subjects (client ids, addresses) may.
  return `${endpointId}~${type}~${encodeURIComponent(subject)}`;
}

function sessionFacts(record: SessionRecord) {
  return {
    sessionId: record.id,
    client: record.owner,
    avatar: record.avatar,
    maxDuration: record.maxDuration,
    requestedAt: record.requestedAt ?? null,
    createdAt: record.createdAt,
  };
}

/** The webhook types a session event becomes (a delivered session's end also announces its conversation). */
export function fromSessionEvent(event: SessionEvent): { type: WebhookType; data: Record<string, unknown> }[] {
  const { record } = event;
  switch (event.type) {
    case 'delivered':
      return [{ type: 'session.delivered', data: { ...sessionFacts(record), deliveredAt: record.deliveredAt ?? event.at, expiresAt: record.expiresAt ?? null } }];
    case 'ended':
      return [
        {
          type: 'session.ended',
          data: { ...sessionFacts(record), deliveredAt: record.deliveredAt ?? null, endedAt: record.endedAt ?? event.at, durationSeconds: sessionSeconds(record), endReason: event.reason ?? record.endReason ?? null },
        },
        { type: 'conversation.ready', data: { ...sessionFacts(record), conversationId: record.id } },
      ];
    case 'failed':
    case 'timed_out':
      return [
        {
          type: event.type === 'failed' ? 'session.failed' : 'session.timed_out',
          data: { ...sessionFacts(record), endedAt: record.endedAt ?? event.at, reason: event.reason ?? record.endReason ?? null, failureCode: record.failureCode ?? null },
        },
      ];
    default:
      return [];
  }
}

export function fromBudgetExceeded(event: BudgetExceeded): Record<string, unknown> {
  return { client: event.clientId, budget: event.subject, window: event.window, resetsAt: event.resetsAt };
}
