// Control API under /__emulator/ (no auth): ledger, settings, faults, reset, and session nudges.
import { Router } from 'express';
import { z } from 'zod';
import type { EmulatorCore } from '../core';
import { httpError, parseInput, validationError } from '../errors';
import { SettingsError } from '../settings';
import { pathId } from './common';

export const CONTROL_PREFIX = '/__emulator';

const resetBody = z.strictObject({ settings: z.record(z.string(), z.unknown()).optional(), faults: z.array(z.unknown()).optional() });
const endBody = z.strictObject({
  status: z.enum(['COMPLETED', 'FAILED']).default('COMPLETED'),
  failureCode: z.string().min(1).optional(),
  failure: z.string().min(1).optional(),
});

/** Settings and fault validation errors come back in the same Runway shape as API errors. */
function settingsGuard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SettingsError) throw validationError('body', err.issues);
    if (err instanceof z.ZodError) throw validationError('body', err.issues);
    throw err;
  }
}

export function controlRoutes(core: EmulatorCore): Router {
  const r = Router();
  const p = CONTROL_PREFIX;

  r.get(`${p}/health`, (_req, res) => void res.json({ ok: true }));
  r.get(`${p}/ledger`, (_req, res) => void res.json(core.ledger()));
  r.get(`${p}/settings`, (_req, res) => void res.json(core.settings));
  r.patch(`${p}/settings`, (req, res) => {
    res.json(settingsGuard(() => core.updateSettings(req.body ?? {})));
  });
  r.post(`${p}/reset`, (req, res) => {
    const body = parseInput(resetBody, req.body ?? {}, 'body');
    settingsGuard(() => {
      core.reset(body.settings);
      for (const rule of body.faults ?? []) core.faults.add(rule);
    });
    res.json({ ok: true, settings: core.settings });
  });
  r.get(`${p}/faults`, (_req, res) => void res.json({ faults: core.faults.list() }));
  r.post(`${p}/faults`, (req, res) => {
    const id = settingsGuard(() => core.faults.add(req.body));
    res.status(200).json({ id });
  });
  r.delete(`${p}/faults`, (_req, res) => {
    core.faults.clear();
    res.status(204).end();
  });
  r.delete(`${p}/faults/:id`, (req, res) => {
    if (!core.faults.remove(req.params.id)) throw httpError(404, 'Fault not found');
    res.status(204).end();
  });
  r.get(`${p}/uploads`, (_req, res) => void res.json({ uploads: core.uploads.all() }));
  // End a session as if the user hung up (COMPLETED) or the avatar worker died (FAILED).
  r.post(`${p}/sessions/:id/end`, (req, res) => {
    const s = core.sessions.get(pathId(core, req, 'Realtime session'));
    if (!s) throw httpError(404, 'Realtime session not found');
    core.sessions.end(s, parseInput(endBody, req.body ?? {}, 'body'));
    res.json(core.sessions.view(s));
  });
  // Let a READY session's key lifetime pass now (expiredSessionStatus decides what it becomes).
  r.post(`${p}/sessions/:id/expire`, (req, res) => {
    const s = core.sessions.get(pathId(core, req, 'Realtime session'));
    if (!s) throw httpError(404, 'Realtime session not found');
    core.sessions.expireNow(s);
    res.json(core.sessions.view(s));
  });
  return r;
}
