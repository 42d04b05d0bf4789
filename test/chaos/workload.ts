import { randomUUID } from 'node:crypto';
import type { ContractTable } from './contract';

// The mixed client workload: what browsers and backends do to the brokers, recorded so that the
// invariants can be checked afterwards against the emulator's ledger.

/** Seeded PRNG (the emulator's mulberry32): the same seed gives the same mix of actions and faults. */
import { mulberry32 as rng } from '../../src/emulator/random';

export { rng };

export type Action = 'normal' | 'abort' | 'idempotent' | 'delete' | 'status';

export interface Response {
  op: string;
  status: number;
  code?: string;
  broker: string;
}

export interface Record {
  /** Every response received, by operation. */
  responses: Response[];
  /** Responses outside the documented table (with the body's code). */
  undocumented: Response[];
  /** Requests that got no HTTP response (broker killed or connection reset under us). */
  connectionLost: number;
  /** Requests the client itself aborted mid-poll. */
  aborted: number;
  /** Every credential a client received: token → sessionId. */
  tokens: Map<string, string>;
  /** sessionIds delivered with credentials, and how many times. */
  delivered: Map<string, number>;
  /** Tokens received more than once. */
  duplicateTokens: number;
  actions: { [A in Action]: number };
  /** Requests that ran longer than the hang bound (a hang is a finding). */
  hangs: Response[];
}

export function newRecord(): Record {
  return {
    responses: [],
    undocumented: [],
    connectionLost: 0,
    aborted: 0,
    tokens: new Map(),
    delivered: new Map(),
    duplicateTokens: 0,
    actions: { normal: 0, abort: 0, idempotent: 0, delete: 0, status: 0 },
    hangs: [],
  };
}

export interface Target {
  name: string;
  url: string;
  up: boolean;
}

export interface WorkloadOptions {
  sessions: number;
  concurrency: number;
  seed: number;
  contract: ContractTable;
  /** Live brokers right now (clients spread over the ones that are up, like a load balancer). */
  targets: () => Target[];
  /** Called after each session-starting action with the count done so far (drives the chaos schedule). */
  progress?: (done: number) => Promise<void> | void;
  /** No single request may take longer (a hang is recorded, then it is aborted). */
  hangMs: number;
  /** Longest a client waits before aborting mid-poll. */
  abortWithinMs: number;
}

const CREATE = 'POST /api/avatar/session';
const READ = 'GET /api/avatar/session/{id}';
const CANCEL = 'DELETE /api/avatar/session/{id}';

export async function runWorkload(o: WorkloadOptions, record: Record): Promise<void> {
  const random = rng(o.seed);
  let next = 0;
  let done = 0;
  let turn = 0;

  const pick = (): Target => {
    const live = o.targets().filter((t) => t.up);
    const all = live.length > 0 ? live : o.targets();
    return all[turn++ % all.length]!;
  };

  /** One HTTP exchange; retries on another broker when none answered (the load balancer's job). */
  const call = async (op: string, method: string, path: string, init: { body?: unknown; headers?: { [k: string]: string }; abortAfterMs?: number } = {}) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const target = pick();
      const controller = new AbortController();
      let clientAbort = false;
      const abortTimer = init.abortAfterMs === undefined ? undefined : setTimeout(() => ((clientAbort = true), controller.abort()), init.abortAfterMs);
      let hung = false;
      const hangTimer = setTimeout(() => ((hung = true), controller.abort()), o.hangMs);
      try {
        const res = await fetch(`${target.url}${path}`, {
          method,
          headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: controller.signal,
        });
        const text = await res.text();
        const body = text ? (JSON.parse(text) as { [k: string]: unknown }) : {};
        const response: Response = { op, status: res.status, code: typeof body.code === 'string' ? body.code : undefined, broker: target.name };
        record.responses.push(response);
        if (!o.contract.allows(op, res.status, response.code)) record.undocumented.push(response);
        return { response, body };
      } catch {
        if (clientAbort) {
          record.aborted++;
          return undefined;
        }
        if (hung) {
          record.hangs.push({ op, status: 0, broker: target.name });
          return undefined;
        }
        record.connectionLost++;
        // Refused or cut off: a new session request may go to another broker; a lost create is not
        // retried with the same body unless idempotent (the client cannot know whether it started).
        if (method === 'POST' && !init.headers?.['Idempotency-Key']) return undefined;
      } finally {
        clearTimeout(abortTimer);
        clearTimeout(hangTimer);
      }
    }
    return undefined;
  };

  const deliver = (body: { [k: string]: unknown }) => {
    const token = body.token;
    const sessionId = body.sessionId;
    if (typeof token !== 'string' || typeof sessionId !== 'string') return;
    if (record.tokens.has(token)) record.duplicateTokens++;
    record.tokens.set(token, sessionId);
    record.delivered.set(sessionId, (record.delivered.get(sessionId) ?? 0) + 1);
  };

  const create = async (headers?: { [k: string]: string }, abortAfterMs?: number) => {
    const result = await call(CREATE, 'POST', '/api/avatar/session', { body: { avatarId: 'music-superstar' }, headers, abortAfterMs });
    if (result?.response.status === 200) deliver(result.body);
    return result;
  };

  const one = async (action: Action, r: number) => {
    record.actions[action]++;
    switch (action) {
      case 'normal':
        await create();
        return;
      case 'abort':
        await create(undefined, Math.floor(r * o.abortWithinMs));
        return;
      case 'idempotent': {
        // Two racing requests with one key, then a retry after both: credentials at most once.
        const headers = { 'Idempotency-Key': randomUUID() };
        await Promise.all([create(headers), create(headers)]);
        await create(headers);
        return;
      }
      case 'status':
      case 'delete': {
        const result = await create();
        const id = result?.response.status === 200 ? result.body.sessionId : undefined;
        if (typeof id !== 'string') return;
        await call(READ, 'GET', `/api/avatar/session/${id}`);
        if (action === 'delete') {
          await call(CANCEL, 'DELETE', `/api/avatar/session/${id}`);
          await call(READ, 'GET', `/api/avatar/session/${id}`);
        }
        return;
      }
    }
  };

  const worker = async () => {
    while (next < o.sessions) {
      next++;
      const r = random();
      const action: Action = r < 0.45 ? 'normal' : r < 0.6 ? 'abort' : r < 0.72 ? 'idempotent' : r < 0.86 ? 'delete' : 'status';
      await one(action, random());
      done++;
      await o.progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
}
