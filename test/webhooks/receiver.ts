import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

// A webhook receiver as a customer would write it: verifies every request with the standardwebhooks
// library and keeps what it accepted. `down` answers 503 (as a receiver that is deploying).

export const SECRET = `whsec_${Buffer.from('a test secret of thirty-two bytes!').toString('base64')}`;

export interface Received {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  raw: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Requests answered 503 while down. */
  refused: number;
  /** Requests whose signature did not verify (must stay 0). */
  forged: number;
  down: boolean;
  close(): Promise<void>;
}

export async function startReceiver(secret = SECRET, port = 0): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const state = { received: [] as Received[], refused: 0, forged: 0, down: false };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      if (state.down) {
        state.refused += 1;
        res.writeHead(503).end();
        return;
      }
      try {
        const message = verifier.verify(raw, req.headers as Record<string, string>) as Omit<Received, 'id' | 'raw'>;
        state.received.push({ id: String(req.headers['webhook-id']), raw, ...message });
        res.writeHead(204).end();
      } catch {
        state.forged += 1;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${actual}/hooks`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as Receiver;
}

/** Waits on a condition (no sleeps racing timers). */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
