// Fault injection: rules match an operation name and/or method + path regex and either answer with a
// status, destroy the socket, delay the request and let it continue, or let it run and garble the
// JSON body of its answer (a response the client cannot rely on, after the work was done).
import { z } from 'zod';
import type { Random } from './random';

const statusAction = z.strictObject({
  type: z.literal('status'),
  status: z.number().int().min(100).max(599),
  body: z.unknown().optional(),
  /** Sent as `Retry-After` (seconds). */
  retryAfter: z.number().min(0).optional(),
  /** Sent as `retry-after-ms`. */
  retryAfterMs: z.number().min(0).optional(),
  /** Sent as `x-should-retry: true|false`. */
  shouldRetry: z.boolean().optional(),
});

export const faultRuleSchema = z
  .strictObject({
    id: z.string().min(1).optional(),
    /** e.g. 'realtimeSessions.create', 'avatars.update', or '*'. */
    operation: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    method: z.string().min(1).optional(),
    /** Regular expression tested against the request path (no query string). */
    path: z.string().min(1).optional(),
    action: z.discriminatedUnion('type', [
      statusAction,
      z.strictObject({ type: z.literal('reset') }),
      z.strictObject({ type: z.literal('delay'), ms: z.number().min(0) }),
      z.strictObject({
        type: z.literal('malformed'),
        /** Top-level fields dropped from the real answer, e.g. ["id"]. */
        omit: z.array(z.string().min(1)).default([]),
        /** Top-level fields overwritten in the real answer, e.g. {"id": 42}. */
        set: z.record(z.string(), z.unknown()).default({}),
      }),
    ]),
    /** How many matching requests it fires for; unlimited when absent. */
    times: z.number().int().min(1).optional(),
    /** Chance (seeded) that it fires for a matching request; 1 when absent. */
    probability: z.number().min(0).max(1).optional(),
  })
  .refine((r) => r.path === undefined || isValidRegex(r.path), { message: 'path must be a valid regular expression', path: ['path'] });

export type FaultRule = z.input<typeof faultRuleSchema>;
export type FaultAction = FaultRule['action'];

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

interface ActiveRule {
  id: string;
  rule: FaultRule;
  path: RegExp | null;
  fired: number;
}

export interface FaultView extends FaultRule {
  id: string;
  fired: number;
  remaining: number | null;
}

export class FaultBook {
  private rules: ActiveRule[] = [];
  private counter = 0;
  firedTotal = 0;

  add(input: unknown): string {
    const rule = faultRuleSchema.parse(input);
    const id = rule.id ?? `fault_${++this.counter}`;
    this.rules = this.rules.filter((r) => r.id !== id);
    this.rules.push({ id, rule, path: rule.path === undefined ? null : new RegExp(rule.path), fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultView[] {
    return this.rules.map((r) => ({
      ...r.rule,
      id: r.id,
      fired: r.fired,
      remaining: r.rule.times === undefined ? null : r.rule.times - r.fired,
    }));
  }

  /**
   * Actions that fire for this request, in rule order: any number of delays, then at most one
   * terminal action (status, reset or malformed). Exhausted rules are dropped.
   */
  match(operation: string, method: string, path: string, rng: Random): FaultAction[] {
    const fired: FaultAction[] = [];
    for (const r of this.rules) {
      if (!matches(r, operation, method, path)) continue;
      if (r.rule.probability !== undefined && !rng.chance(r.rule.probability)) continue;
      r.fired++;
      this.firedTotal++;
      fired.push(r.rule.action);
      if (r.rule.action.type !== 'delay') break;
    }
    this.rules = this.rules.filter((r) => r.rule.times === undefined || r.fired < r.rule.times);
    return fired;
  }
}

function matches(r: ActiveRule, operation: string, method: string, path: string): boolean {
  const ops = r.rule.operation === undefined ? null : Array.isArray(r.rule.operation) ? r.rule.operation : [r.rule.operation];
  if (ops && !ops.includes('*') && !ops.includes(operation)) return false;
  if (r.rule.method !== undefined && r.rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (r.path && !r.path.test(path)) return false;
  return true;
}

/** The real JSON answer with a `malformed` action's fields dropped and overwritten. */
export function garble(body: unknown, action: { omit?: string[]; set?: Record<string, unknown> }): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const field of action.omit ?? []) delete out[field];
  return { ...out, ...(action.set ?? {}) };
}
