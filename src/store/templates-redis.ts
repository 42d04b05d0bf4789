import type { TemplateDocument, TemplateStore } from './templates';

// Templates in Redis (see redis.ts for the connection and failure policy):
//   P{tpl}:defs        hash templateId → template JSON (API-defined templates only)
//   P tplctx:<sha256>  a used context token's jti hash, PX = until the token expires

/** The part of redis.ts's connection this store needs. */
export interface TemplateConnection {
  guard<T>(operation: () => Promise<T>): Promise<T>;
  run(script: { source: string; sha: string }, keys: string[], args: (string | number)[]): Promise<unknown>;
  client: import('ioredis').Redis;
}

/** KEYS: defs. ARGV: id, json. Replaces only an existing entry (HSET XX). */
export const TEMPLATE_REPLACE = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

export class RedisTemplateStore implements TemplateStore {
  constructor(
    private readonly conn: TemplateConnection,
    private readonly prefix: string,
    private readonly scripts: { replace: { source: string; sha: string } },
  ) {}

  list(): Promise<TemplateDocument[]> {
    return this.conn.guard(async () => Object.values(await this.conn.client.hgetall(this.defs)).map((json) => JSON.parse(json) as TemplateDocument));
  }

  get(id: string): Promise<TemplateDocument | undefined> {
    return this.conn.guard(async () => {
      const json = await this.conn.client.hget(this.defs, id);
      return json === null ? undefined : (JSON.parse(json) as TemplateDocument);
    });
  }

  create(doc: TemplateDocument): Promise<boolean> {
    return this.conn.guard(async () => (await this.conn.client.hsetnx(this.defs, doc.id, JSON.stringify(doc))) === 1);
  }

  replace(doc: TemplateDocument): Promise<boolean> {
    return this.conn.guard(async () => Number(await this.conn.run(this.scripts.replace, [this.defs], [doc.id, JSON.stringify(doc)])) === 1);
  }

  delete(id: string): Promise<boolean> {
    return this.conn.guard(async () => (await this.conn.client.hdel(this.defs, id)) === 1);
  }

  claimToken(jtiHash: string, ttlMs: number): Promise<boolean> {
    return this.conn.guard(async () => (await this.conn.client.set(`${this.prefix}tplctx:${jtiHash}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK');
  }

  private get defs(): string {
    return `${this.prefix}{tpl}:defs`;
  }
}
