import type { RequestHandler } from 'express';

/**
 * A router built on its first request, for routes only admins or some deployments use: their
 * modules (schemas, libraries) load then, not at boot. Mount it where the router would go.
 */
export function lazyRouter(build: () => RequestHandler): RequestHandler {
  let router: RequestHandler | undefined;
  return (req, res, next) => {
    router ??= build();
    return router(req, res, next);
  };
}
