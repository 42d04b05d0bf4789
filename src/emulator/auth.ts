// Per-route entry: counts the request, applies injected faults, then checks auth and the version header.
import type { Request, RequestHandler } from 'express';
import type { EmulatorCore } from './core';
import { httpError, sendError, HttpError } from './errors';
import { garble, type FaultAction } from './faults';

export const RUNWAY_VERSION = '2024-11-06';

export function bearer(req: Request): string | null {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S.*)$/i.exec(header.trim()) : null;
  return match?.[1]?.trim() || null;
}

function checkApiKey(core: EmulatorCore, req: Request): void {
  const key = bearer(req);
  if (key === null) throw httpError(401, 'Missing API key. Send it as "Authorization: Bearer <key>".');
  if (core.settings.apiKey !== null && key !== core.settings.apiKey) throw httpError(401, 'Invalid API key');
}

function checkVersion(core: EmulatorCore, req: Request, optional: boolean): void {
  const version = req.get('x-runway-version');
  if (version === undefined) {
    if (optional || !core.settings.requireVersionHeader) return;
    throw httpError(400, `The X-Runway-Version header is required. Use "${RUNWAY_VERSION}".`);
  }
  if (version !== RUNWAY_VERSION && !optional) {
    throw httpError(400, `Unsupported X-Runway-Version "${version}". Use "${RUNWAY_VERSION}".`);
  }
}

/** 'apiKey': Bearer API key + X-Runway-Version. 'sessionKey': the handler checks the key, version optional. 'none': storage URLs. */
export type AuthKind = 'apiKey' | 'sessionKey' | 'none';

export function operation(core: EmulatorCore, name: string, auth: AuthKind): RequestHandler {
  return async (req, res, next) => {
    res.locals.operation = name;
    core.countRequest(name);
    const path = req.originalUrl.split('?')[0] ?? req.path;
    const actions = core.faults.match(name, req.method, path, core.rng.faults);
    for (const action of actions) {
      if (await applyFault(core, action, req, res)) return;
    }
    if (auth === 'apiKey') {
      checkApiKey(core, req);
      checkVersion(core, req, false);
    } else if (auth === 'sessionKey') {
      checkVersion(core, req, true);
    }
    next();
  };
}

/** Returns true when the fault answered (or killed) the request. */
async function applyFault(core: EmulatorCore, action: FaultAction, req: Request, res: Parameters<RequestHandler>[1]): Promise<boolean> {
  core.log.debug({ operation: res.locals.operation, action }, 'emulator: fault');
  if (action.type === 'delay') {
    await core.timers.sleep(action.ms);
    return false;
  }
  if (action.type === 'reset') {
    req.socket.destroy();
    return true;
  }
  if (action.type === 'malformed') {
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(garble(body, action));
    return false; // the operation runs; only its answer is garbled
  }
  const headers: Record<string, string> = {};
  if (action.retryAfter !== undefined) headers['Retry-After'] = String(action.retryAfter);
  if (action.retryAfterMs !== undefined) headers['retry-after-ms'] = String(action.retryAfterMs);
  if (action.shouldRetry !== undefined) headers['x-should-retry'] = String(action.shouldRetry);
  const body = action.body === undefined ? { error: defaultMessage(action.status) } : action.body;
  sendError(res, new HttpError(action.status, body as Record<string, unknown>, headers));
  return true;
}

function defaultMessage(status: number): string {
  const messages: Record<number, string> = {
    408: 'Request timed out',
    409: 'Conflict',
    429: 'Too many requests. Please slow down.',
    500: 'An internal error occurred',
    502: 'Bad gateway',
    503: 'Service unavailable. Please try again later.',
    504: 'Gateway timeout',
  };
  return messages[status] ?? `Emulated error ${status}`;
}
