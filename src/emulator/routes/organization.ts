// GET /v1/organization: the gwm1_avatars tier concurrency is the emulated concurrency limit.
import { Router } from 'express';
import { operation } from '../auth';
import type { EmulatorCore } from '../core';

const DAY = 24 * 60 * 60 * 1000;

export function organizationRoutes(core: EmulatorCore): Router {
  const r = Router();
  r.get('/v1/organization', operation(core, 'organization.retrieve', 'apiKey'), (_req, res) => {
    const since = Date.now() - DAY;
    const daily = core.sessions.all().filter((s) => s.createdAt >= since).length;
    res.status(200).json({
      creditBalance: core.settings.outOfCredits ? 0 : core.settings.creditBalance,
      tier: {
        maxMonthlyCreditSpend: 100_000,
        models: { gwm1_avatars: { maxConcurrentGenerations: core.settings.concurrencyLimit, maxDailyGenerations: null } },
      },
      usage: { models: { gwm1_avatars: { dailyGenerations: daily } } },
    });
  });
  return r;
}
