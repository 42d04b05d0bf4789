import express from 'express';
import type { Store } from 'express-rate-limit';
import request from 'supertest';
import { limiter } from '../../src/access/limits';
import { AppError } from '../../src/errors';
import type { Stores } from '../../src/store/types';
import { capturingLogger } from '../support/silent-logger';

// The rate limiter's own complaints go through our logger (redacted, one format), never the console;
// a store outage is not repeated on every request (the store logs it once).

function failingStore(error: Error): Store {
  return {
    increment: () => Promise.reject(error),
    decrement: () => Promise.resolve(),
    resetKey: () => Promise.resolve(),
  };
}

function appWith(error: Error) {
  const log = capturingLogger();
  const stores = { rateLimit: () => failingStore(error) } as unknown as Stores;
  const app = express();
  app.use((req, _res, next) => {
    req.client = { id: 'key:web', kind: 'api-key', scopes: [], policy: null };
    next();
  });
  app.use(limiter('reads', () => 10, stores, () => undefined, log.logger));
  app.get('/', (_req, res) => res.send('ok'));
  return { app, log };
}

let consoleError: jest.SpyInstance;
let consoleWarn: jest.SpyInstance;
beforeEach(() => {
  consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  consoleWarn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

it('logs a store error through the logger (reads fail open), not to the console', async () => {
  const { app, log } = appWith(new Error('counter exploded'));
  await request(app).get('/').expect(200);
  const line = log.lines.map((l) => JSON.parse(l) as { level: number; limiter?: string; err?: { message?: string } }).find((l) => l.limiter === 'reads');
  expect(line).toMatchObject({ level: 50, limiter: 'reads', err: { message: expect.stringContaining('counter exploded') } });
  expect(consoleError).not.toHaveBeenCalled();
  expect(consoleWarn).not.toHaveBeenCalled();
});

it('does not log a store outage per request', async () => {
  const { app, log } = appWith(new AppError('STORE_UNAVAILABLE'));
  await request(app).get('/').expect(200);
  expect(log.lines.filter((l) => l.includes('"limiter"'))).toEqual([]);
  expect(consoleError).not.toHaveBeenCalled();
});
