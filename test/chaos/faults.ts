// Fault rules for the chaos run, one per kind, on every upstream operation the broker uses. Ids
// name the kind so the emulator's per-rule `fired` counts become the "faults injected" figures.
// UPSTREAM_TIMEOUT_MS in the chaos brokers is 1000: the `*-timeout` delays exceed it.

export const CHAOS_UPSTREAM_TIMEOUT_MS = 1000;

type Rule = { id: string; operation: string; probability: number; action: { type: string; [k: string]: unknown } };

const rule = (operation: string, kind: string, probability: number, action: Rule['action']): Rule => ({
  id: `${operation.replace('realtimeSessions.', '')}:${kind}`,
  operation: `realtimeSessions.${operation}`,
  probability,
  action,
});

export function chaosFaults(): Rule[] {
  return [
    rule('create', 'slow', 0.1, { type: 'delay', ms: 150 }),
    rule('create', 'timeout', 0.01, { type: 'delay', ms: CHAOS_UPSTREAM_TIMEOUT_MS + 500 }),
    rule('create', '429', 0.04, { type: 'status', status: 429, retryAfterMs: 50 }),
    rule('create', '500', 0.03, { type: 'status', status: 500 }),
    rule('create', '503', 0.02, { type: 'status', status: 503 }),
    rule('create', 'reset', 0.02, { type: 'reset' }),

    rule('retrieve', 'slow', 0.1, { type: 'delay', ms: 100 }),
    rule('retrieve', 'timeout', 0.01, { type: 'delay', ms: CHAOS_UPSTREAM_TIMEOUT_MS + 200 }),
    rule('retrieve', '429', 0.03, { type: 'status', status: 429, retryAfterMs: 50 }),
    rule('retrieve', '503', 0.04, { type: 'status', status: 503 }),
    rule('retrieve', 'reset', 0.02, { type: 'reset' }),

    rule('consume', 'slow', 0.1, { type: 'delay', ms: 400 }),
    rule('consume', 'timeout', 0.01, { type: 'delay', ms: CHAOS_UPSTREAM_TIMEOUT_MS + 500 }),
    rule('consume', '500', 0.03, { type: 'status', status: 500 }),
    rule('consume', 'reset', 0.02, { type: 'reset' }),

    rule('delete', 'timeout', 0.02, { type: 'delay', ms: CHAOS_UPSTREAM_TIMEOUT_MS + 200 }),
    rule('delete', '500', 0.05, { type: 'status', status: 500 }),
    rule('delete', 'reset', 0.03, { type: 'reset' }),
  ];
}
