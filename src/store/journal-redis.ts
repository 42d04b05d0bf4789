import type { JournalEntry, SessionJournal } from './types';

// The journal in Redis (see redis.ts for the connection and failure policy):
//   P{journal}:entries   hash sessionId → JournalEntry JSON (no secrets)
//   P hb:<incarnation>   a replica's heartbeat, PX = its TTL

/** The part of redis.ts's connection this store needs. */
export interface JournalConnection {
  guard<T>(operation: () => Promise<T>): Promise<T>;
  run(script: { source: string; sha: string }, keys: string[], args: (string | number)[]): Promise<unknown>;
  client: import('ioredis').Redis;
}

type Lua = { source: string; sha: string };

export class RedisJournal implements SessionJournal {
  constructor(
    private readonly conn: JournalConnection,
    private readonly prefix: string,
    private readonly scripts: { mark: Lua; take: Lua },
  ) {}

  put(entry: JournalEntry): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.client.hset(this.entries, entry.sessionId, JSON.stringify(entry));
    });
  }

  mark(sessionId: string, patch: Pick<JournalEntry, 'state'> & Partial<Pick<JournalEntry, 'releaseBy'>>): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.run(this.scripts.mark, [this.entries], [sessionId, JSON.stringify({ ...patch, since: Date.now() })]);
    });
  }

  remove(sessionId: string): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.client.hdel(this.entries, sessionId);
    });
  }

  take(sessionId: string): Promise<JournalEntry | undefined> {
    return this.conn.guard(async () => {
      const json = await this.conn.run(this.scripts.take, [this.entries], [sessionId]);
      return typeof json === 'string' ? (JSON.parse(json) as JournalEntry) : undefined;
    });
  }

  list(): Promise<JournalEntry[]> {
    return this.conn.guard(async () => Object.values(await this.conn.client.hgetall(this.entries)).map((json) => JSON.parse(json) as JournalEntry));
  }

  beat(incarnation: string, ttlMs: number): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.client.set(this.beatKey(incarnation), '1', 'PX', Math.max(1, Math.ceil(ttlMs)));
    });
  }

  alive(incarnations: string[]): Promise<Set<string>> {
    return this.conn.guard(async () => {
      if (incarnations.length === 0) return new Set<string>();
      const values = await this.conn.client.mget(...incarnations.map((i) => this.beatKey(i)));
      return new Set(incarnations.filter((_, n) => values[n] !== null));
    });
  }

  retire(incarnation: string): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.client.del(this.beatKey(incarnation));
    });
  }

  private get entries(): string {
    return `${this.prefix}{journal}:entries`;
  }

  private beatKey(incarnation: string): string {
    return `${this.prefix}hb:${incarnation}`;
  }
}

/** KEYS: entries. ARGV: sessionId, patch JSON. Merges the patch into an entry that still exists. */
export const JOURNAL_MARK = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local e = cjson.decode(v)
for k, x in pairs(cjson.decode(ARGV[2])) do e[k] = x end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
return 1`;

/** KEYS: entries. ARGV: sessionId. Removes and returns the entry. */
export const JOURNAL_TAKE = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v`;
