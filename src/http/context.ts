import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ClientIdentity } from '../access/identity';

export type { ClientIdentity };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      client: ClientIdentity;
    }
  }
}

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Honours a well-formed X-Request-Id from a proxy or client, otherwise mints one, and echoes it. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  req.id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', req.id);
  next();
};

/** Aborts when the client goes away before the response is complete. */
export function clientSignal(res: import('express').Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort('client_closed');
  });
  return controller.signal;
}
