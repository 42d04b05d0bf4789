import type { RequestHandler } from 'express';

// Recent error responses by code, for the console. It reads the `code` of JSON error bodies as they
// are sent (codes are stable and non-secret) and keeps only code, status and time.

const WINDOW_MS = 15 * 60_000;
const MAX = 2000;

export interface ErrorCount {
  code: string;
  status: number;
  count: number;
  lastAt: string;
}

export class RecentErrors {
  private readonly seen: { code: string; status: number; at: number }[] = [];

  record(code: string, status: number, at = Date.now()): void {
    this.seen.push({ code, status, at });
    if (this.seen.length > MAX) this.seen.splice(0, this.seen.length - MAX);
  }

  byCode(now = Date.now()): ErrorCount[] {
    const counts = new Map<string, ErrorCount>();
    for (const e of this.seen) {
      if (e.at < now - WINDOW_MS) continue;
      const key = `${e.code}:${e.status}`;
      const entry = counts.get(key) ?? { code: e.code, status: e.status, count: 0, lastAt: '' };
      entry.count += 1;
      entry.lastAt = new Date(e.at).toISOString();
      counts.set(key, entry);
    }
    return [...counts.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }

  /** Express middleware: notes the code of every 4xx/5xx JSON body this app sends. */
  tap(): RequestHandler {
    return (_req, res, next) => {
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        const code = res.statusCode >= 400 && body && typeof body === 'object' ? (body as { code?: unknown }).code : undefined;
        if (typeof code === 'string') this.record(code, res.statusCode);
        return json(body);
      };
      next();
    };
  }
}
