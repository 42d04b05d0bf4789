import { Router } from 'express';

export interface HealthSources {
  /** True once shutdown began: load balancers must stop sending traffic. */
  draining(): boolean;
  /** Required stores (e.g. Redis); any false makes the broker unready. */
  stores?(): Promise<Record<string, boolean>>;
  /** Runway's recent health: reported, never a reason to be unready. */
  upstream(): 'ok' | 'degraded' | 'unknown';
}

/** /livez: the process runs (no dependencies). /readyz: can take traffic (draining or store down = 503). */
export function healthRouter(sources: HealthSources): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const stores = (await sources.stores?.().catch(() => ({ store: false }))) ?? {};
    const storesOk = Object.values(stores).every(Boolean);
    const draining = sources.draining();
    const ready = !draining && storesOk;
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json({
      status: draining ? 'draining' : ready ? 'ready' : 'unavailable',
      checks: { stores: Object.fromEntries(Object.entries(stores).map(([k, v]) => [k, v ? 'ok' : 'down'])), upstream: sources.upstream() },
    });
  });
  return router;
}

export function metricsRouter(registry: import('prom-client').Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(await registry.metrics());
  });
  return router;
}
