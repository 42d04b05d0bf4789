import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import request from 'supertest';
import { eventually, sessionOf, startHarness, type Harness } from '../support/harness';
import { describeWithRedis, redisStores, startRedis, type RedisServer } from '../support/redis';
import type { RedisStores } from '../../src/store/redis';

// Two brokers on one Redis and one emulator: file templates and API templates resolve the same on
// both, and a context token spent on one is spent on the other.

const CTX_SECRET = 'ctx-secret-0123456789abcdef0123456789';
const ADMIN = { Authorization: 'Bearer admin-key-0123456789' };

let redis: RedisServer;
let replicas: Harness[] = [];

async function sign(template: string, variables: Record<string, unknown>) {
  return new SignJWT({ template, variables })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('2m')
    .setAudience('characters-broker/session-context')
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(CTX_SECRET));
}

describeWithRedis('session templates across two replicas on one Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const h of replicas.splice(0)) await h.close();
    await redis?.stop();
  });

  it('agree on file and API templates, and spend each context token once across both', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'templates-')), 'templates.json');
    writeFileSync(file, JSON.stringify({ templates: [{ id: 'from-file', avatarId: 'music-superstar', clients: ['anonymous'] }] }));
    const env = { ADMIN_API_KEYS: 'ops:admin-key-0123456789', TEMPLATE_CONTEXT_SECRET: CTX_SECRET, TEMPLATES_FILE: file };
    const stores = redisStores(redis.url, `t-${randomUUID().slice(0, 8)}:`);
    const a = await startHarness(env, {}, { stores });
    const b = await startHarness(env, {}, { stores, emulator: a.emulator });
    replicas = [b, a]; // a owns the emulator: closed last
    for (const h of replicas) await eventually(() => h.logs.text().includes('shared store connected'), 5000);

    const defined = await request(a.app)
      .post('/api/templates')
      .set(ADMIN)
      .send({ id: 'from-api', avatarId: 'music-superstar', maxDuration: 90, variables: { name: { maxLength: 20 } }, clients: [] });
    expect(defined.status).toBe(201);
    const ids = async (h: Harness) => ((await request(h.app).get('/api/templates').set(ADMIN)).body.data as { template: { id: string }; source: string }[]).map((e) => `${e.template.id}:${e.source}`);
    expect(await ids(a)).toEqual(['from-api:api', 'from-file:file']);
    expect(await ids(b)).toEqual(await ids(a));
    // Defined on a, the same id is taken on b; the file template is read-only on both.
    expect((await request(b.app).post('/api/templates').set(ADMIN).send({ id: 'from-api', avatarId: 'music-superstar' })).body.code).toBe('TEMPLATE_CONFLICT');
    expect((await request(b.app).post('/api/templates').set(ADMIN).send({ id: 'from-file', avatarId: 'music-superstar' })).body.code).toBe('TEMPLATE_CONFLICT');

    // Started on b with a token; the same token replayed on a is refused.
    const ctx = await sign('from-api', { name: 'Ada' });
    const started = await request(b.app).post(`/api/avatar/session?ctx=${ctx}`).send({ avatarId: 'from-api' });
    expect(started.status).toBe(200);
    expect(sessionOf(a.emulator, started.body.sessionId).requestedMaxDuration).toBe(90);
    const replay = await request(a.app).post(`/api/avatar/session?ctx=${ctx}`).send({ avatarId: 'from-api' });
    expect([replay.status, replay.body.code]).toEqual([409, 'TEMPLATE_CONTEXT_REPLAYED']);
    // Either replica shows which template started it.
    expect((await request(a.app).get(`/api/avatar/session/${started.body.sessionId}`)).body.template).toBe('from-api');

    // The file template starts anonymously on both.
    for (const h of [a, b]) expect((await request(h.app).post('/api/avatar/session').send({ avatarId: 'from-file' })).status).toBe(200);

    // Replaced on b, a starts the new version; deleted on a, b no longer knows it.
    expect((await request(b.app).put('/api/templates/from-api').set(ADMIN).send({ avatarId: 'music-superstar', maxDuration: 45, variables: { name: {} } })).status).toBe(200);
    const again = await request(a.app).post(`/api/avatar/session?ctx=${await sign('from-api', { name: 'Ada' })}`).send({ avatarId: 'from-api' });
    expect(sessionOf(a.emulator, again.body.sessionId).requestedMaxDuration).toBe(45);
    expect((await request(a.app).delete('/api/templates/from-api').set(ADMIN)).status).toBe(204);
    expect((await request(b.app).get('/api/templates/from-api').set(ADMIN)).body.code).toBe('TEMPLATE_NOT_FOUND');
    // The store holds a hash of each jti, never a token.
    const redisClient = (a.broker.stores as RedisStores).redis;
    const keys = await redisClient.keys('*');
    const contents = await Promise.all(keys.map(async (k) => `${k}=${(await redisClient.type(k)) === 'string' ? await redisClient.get(k) : JSON.stringify(await redisClient.hgetall(k).catch(() => ({})))}`));
    expect(keys.filter((k) => k.includes('tplctx:'))).toHaveLength(2);
    expect(contents.join('\n')).not.toContain(ctx.split('.')[2]!);
  });
});
