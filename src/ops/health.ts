import { Router } from 'express';

export interface Readiness {
  /** True once shutdown began: load balancers must stop sending traffic. */
  draining(): boolean;
}

/** /livez says the process runs (no dependencies, so a Runway outage never restarts pods). */
export function healthRouter(readiness: Readiness): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    if (readiness.draining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    res.json({ status: 'ready' });
  });
  return router;
}
