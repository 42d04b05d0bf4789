import { Router } from 'express';
import { AppError } from '../errors';
import { requireScope } from '../http/auth';
import { parse } from '../http/validate';
import { deadLetterParams } from './schemas';
import type { Webhooks } from './service';

/** /api/webhooks (admin): configured endpoints, queue state, dead letters and their replay. */
export function webhooksRouter({ webhooks }: { webhooks: Webhooks }): Router {
  const router = Router();
  router.use(requireScope('admin'));

  router.get('/endpoints', (_req, res) => {
    res.json({ endpoints: webhooks.endpoints });
  });

  router.get('/dead-letters', async (_req, res) => {
    const [queue, deadLetters] = await Promise.all([webhooks.queue.counts(), webhooks.queue.deadLetters()]);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ durable: webhooks.queue.durable, queue, deadLetters });
  });

  router.post('/dead-letters/:id/replay', async (req, res) => {
    const { id } = parse(deadLetterParams, req.params, 'dead letter id');
    if (!(await webhooks.queue.replay(id))) throw new AppError('NOT_FOUND', 'No dead letter with that id.');
    res.status(202).json({ id, replayed: true });
  });

  return router;
}
