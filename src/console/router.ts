import { Router } from 'express';
import { requireScope } from '../http/auth';
import type { ConsoleView } from './state';

/** GET /api/console/state: the live console's data. Admin scope, read-only, never credentials. */
export function consoleRouter(view: ConsoleView): Router {
  const router = Router();
  router.get('/api/console/state', requireScope('admin'), async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await view.state());
  });
  return router;
}
