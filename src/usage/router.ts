import { Router } from 'express';
import { AppError } from '../errors';
import { requireScope } from '../http/auth';
import { parse } from '../http/validate';
import type { UsageStore } from '../store/types';
import { ANONYMOUS_ALL, type Budgets } from './budgets';
import { flatten, toCsv, totals } from './report';
import { budgetSubjectParams, usageQuery } from './schemas';
import { dayOf, daysBetween } from './windows';

export interface UsageRouterDeps {
  usage: UsageStore;
  budgets: Budgets;
  retentionDays: number;
}

/** /api/usage: admins read everyone's usage and manage budgets; a client reads its own usage. */
export function usageRouter({ usage, budgets, retentionDays }: UsageRouterDeps): Router {
  const router = Router();

  router.get('/', requireScope('sessions:read'), async (req, res) => {
    const query = parse(usageQuery, req.query, 'query');
    const admin = req.client.scopes.includes('admin');
    if (!admin && req.client.kind === 'anonymous') throw new AppError('UNAUTHORIZED', 'Usage needs credentials (Authorization: Bearer <key or token>).');
    if (!admin && query.client !== undefined && query.client !== req.client.id) throw new AppError('FORBIDDEN', 'You may read your own usage only.');
    const client = admin ? query.client : req.client.id;

    const to = query.to ?? dayOf(Date.now());
    const from = query.from ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000);
    const days = daysBetween(from, to);
    if (days.length > retentionDays) {
      throw new AppError('INVALID_REQUEST', `Ask for at most ${retentionDays} days (USAGE_RETENTION_DAYS); older days are not kept.`, {
        issues: [{ path: 'from', message: `at most ${retentionDays} days before to` }],
      });
    }
    const rows = flatten(await usage.read(days)).filter(
      (r) => (client === undefined || r.client === client) && (query.avatar === undefined || r.avatar.toLowerCase() === query.avatar.toLowerCase()),
    );
    res.setHeader('Cache-Control', 'no-store');
    if (query.format === 'csv') {
      res.attachment(`usage-${from}-${to}.csv`);
      res.type('text/csv; charset=utf-8').send(toCsv(rows));
      return;
    }
    res.json({ from, to, rows, totals: totals(rows) });
  });

  router.get('/budgets/:client', requireScope('admin'), async (req, res) => {
    const subject = subjectOf(parse(budgetSubjectParams, req.params, 'client').client);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ subject, windows: await budgets.state(subject) });
  });

  router.post('/budgets/:client/reset', requireScope('admin'), async (req, res) => {
    const subject = subjectOf(parse(budgetSubjectParams, req.params, 'client').client);
    await budgets.reset(subject);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ subject, windows: await budgets.state(subject) });
  });

  return router;
}

/** A bare client name means the API-key client of that name. */
function subjectOf(param: string): string {
  return param === ANONYMOUS_ALL || param.startsWith('key:') || param.startsWith('anon:') ? param : `key:${param}`;
}
