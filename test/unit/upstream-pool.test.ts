import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Upstream } from '../../src/runway/upstream';
import { DEFAULT_RETRY_POLICY } from '../../src/runway/retry';
import { silentLogger } from '../support/silent-logger';

// The upstream pool bounds sockets to Runway: many concurrent calls share N keep-alive connections.

interface CountingServer {
  url: string;
  /** Most sockets open at the same moment. */
  peak: number;
  /** Sockets ever accepted. */
  accepted: number;
  close(): Promise<void>;
}

async function countingServer(): Promise<CountingServer> {
  let open = 0;
  const stats = { peak: 0, accepted: 0 };
  const server: Server = createServer((req, res) => {
    // A short hold keeps many calls in flight at once, so an unbounded client would open more sockets.
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'sess_1', status: 'NOT_READY', createdAt: new Date(0).toISOString() }));
    }, 5);
  });
  // A busy machine can leave a pooled socket idle for seconds: the server must not close it under the client.
  server.keepAliveTimeout = 120_000;
  server.on('connection', (socket) => {
    open++;
    stats.accepted++;
    stats.peak = Math.max(stats.peak, open);
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get peak() {
      return stats.peak;
    },
    get accepted() {
      return stats.accepted;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function upstreamFor(baseURL: string, extra: { maxConnections?: number; fetch?: typeof fetch }): Upstream {
  return new Upstream({ apiKey: 'key', baseURL, attemptTimeoutMs: 120_000, retry: { ...DEFAULT_RETRY_POLICY, retries: 0 }, logger: silentLogger, ...extra });
}

/** Errors from fetch come from another realm under jest: show their own fields, not `{}`. */
function explain(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const e = err as { name?: string; message?: string; code?: string; cause?: unknown };
  return `${e.name ?? 'error'} ${e.code ?? ''} ${e.message ?? ''}${e.cause ? ` <- ${explain(e.cause)}` : ''}`;
}

/** 200 concurrent calls: SDK retrieves and raw consume-style POSTs through upstream.fetch. */
async function burst(upstream: Upstream): Promise<void> {
  const calls = Array.from({ length: 200 }, (_, i) =>
    i % 4 === 0
      ? upstream.fetch(`${upstream.baseURL}/v1/realtime_sessions/sess_${i}/consume`, { method: 'POST' }).then((r) => r.json())
      : upstream.idempotent('sessions.retrieve', ({ signal, timeout }) => upstream.sdk.realtimeSessions.retrieve(`sess_${i}`, { signal, timeout })),
  );
  const results = await Promise.all(calls.map((call) => call.catch((err: Error & { cause?: { cause?: unknown } }) => Promise.reject(new Error(`${err.message}: ${explain(err.cause?.cause ?? err.cause)}`)))));
  expect(results).toHaveLength(200);
}

describe('upstream connection pool', () => {
  let server: CountingServer;
  beforeEach(async () => {
    server = await countingServer();
  });
  afterEach(() => server.close());

  it('200 concurrent calls never hold more than maxConnections sockets, reused across calls', async () => {
    const upstream = upstreamFor(server.url, { maxConnections: 8 });
    await burst(upstream);
    expect(server.peak).toBeLessThanOrEqual(8);
    expect(server.accepted).toBeLessThanOrEqual(8); // keep-alive: no socket per call
    await upstream.close();
  });

  it('a pool of one serialises every call on one socket', async () => {
    const upstream = upstreamFor(server.url, { maxConnections: 1 });
    await burst(upstream);
    expect(server.accepted).toBe(1);
    await upstream.close();
  });

  it('without the pool (an injected plain fetch) the same burst opens many more sockets', async () => {
    // The control: shows the bound above comes from the pool, not from the server or the test.
    const upstream = upstreamFor(server.url, { fetch: (input, init) => globalThis.fetch(input, init) });
    await burst(upstream);
    expect(server.peak).toBeGreaterThan(8);
  });
});
