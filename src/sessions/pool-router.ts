import express, { Router } from 'express';
import { AppError } from '../errors';
import { requireScope } from '../http/auth';
import { parse, requireJsonBody } from '../http/validate';
import type { WarmPool } from './pool';
import { poolAvatarParams, resizePoolBody } from './pool-schemas';

/** /api/pool: what the warm pool holds, per avatar, and resizing or draining one avatar's pool at run time. */
export function poolRouter({ pool }: { pool: WarmPool }): Router {
  const router = Router();
  router.use(requireScope('admin'));
  router.use(express.json({ limit: '1kb' }));

  router.get('/', (_req, res) => {
    res.json(pool.state());
  });

  router.put('/:avatarId', requireJsonBody, (req, res) => {
    const { avatarId } = parse(poolAvatarParams, req.params, 'path');
    const { size } = parse(resizePoolBody, req.body, 'pool size');
    res.json(pool.resize(avatarId, size));
  });

  router.delete('/:avatarId', async (req, res) => {
    const { avatarId } = parse(poolAvatarParams, req.params, 'path');
    if (!(await pool.remove(avatarId))) throw new AppError('NOT_FOUND', `No warm pool for avatar "${avatarId}".`);
    res.status(204).end();
  });

  return router;
}
