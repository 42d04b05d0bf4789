import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import pinoHttp from 'pino-http';
import type { Logger } from '../logger';

/**
 * One line per request with id, route, status and duration. Bodies are never logged: session
 * responses carry one-time credentials. Query strings are dropped for the same reason.
 */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? 'unknown',
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/livez' || req.url === '/readyz' || req.url === '/metrics' },
    serializers: {
      req: (req: { id: string; method: string; url: string; raw?: IncomingMessage & { route?: { path?: string } } }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number; raw?: ServerResponse }) => ({ statusCode: res.statusCode }),
    },
    customProps: () => ({ traceId: trace.getActiveSpan()?.spanContext().traceId }), // undefined (omitted) when tracing is off
    customSuccessObject: (req, _res, value) => ({ ...value, route: routeOf(req) }),
    customErrorObject: (req, _res, _err, value) => ({ ...value, route: routeOf(req) }),
  });
}

function routeOf(req: IncomingMessage): string | undefined {
  const express = req as IncomingMessage & { baseUrl?: string; route?: { path?: string } };
  return express.route?.path ? `${express.baseUrl ?? ''}${express.route.path}` : undefined;
}
