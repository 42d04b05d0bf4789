import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import request from 'supertest';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { EMULATOR_KEY, sessionOf, startHarness, type Harness } from '../support/harness';

// Session templates against the emulator: what the caller's variables turn into is exactly what
// reaches Runway, and variables come only from a signed, one-use context token, a JWT claim, or a
// granted API-key client.

const CTX_SECRET = 'ctx-secret-0123456789abcdef0123456789';
const JWT_SECRET = 'jwt-secret-0123456789abcdef0123456789';
const ADMIN = { Authorization: 'Bearer admin-key-0123456789' };
const CLIENTS = JSON.stringify([
  { name: 'backend', key: 'backend-key-0123456789abcdef', overrides: ['variables'] },
  { name: 'plain', key: 'plain-key-0123456789abcdef' },
]);

let h: Harness;
let avatarId: string;

async function customAvatar(emulatorUrl: string): Promise<string> {
  const headers = { Authorization: `Bearer ${EMULATOR_KEY}`, 'X-Runway-Version': '2024-11-06', 'Content-Type': 'application/json' };
  const avatar = (await fetch(`${emulatorUrl}/v1/avatars`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'Support', referenceImage: 'https://example.com/face.png', personality: 'Helpful.', voice: { type: 'runway-live-preset', presetId: 'clara' } }),
  }).then((r) => r.json())) as { id: string };
  let ready = false;
  const poll = async () => {
    const got = (await fetch(`${emulatorUrl}/v1/avatars/${avatar.id}`, { headers }).then((r) => r.json())) as { status: string };
    ready = got.status === 'READY';
  };
  for (let i = 0; i < 200 && !ready; i += 1) await poll();
  if (!ready) throw new Error('avatar never became READY');
  return avatar.id;
}

const supportTemplate = (id = 'acme-support') => ({
  id,
  avatarId,
  personality: 'You are Acme support. The caller is {{name}} on the {{plan}} plan.',
  startScript: 'Hi {{name}}, how can I help?',
  maxDuration: 120,
  variables: {
    name: { maxLength: 100 },
    plan: { enum: ['free', 'pro'], default: 'free' },
  },
});

async function sign(claims: Record<string, unknown>, options: { secret?: string; expiresIn?: string; audience?: string; jti?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '2m')
    .setAudience(options.audience ?? 'characters-broker/session-context')
    .setJti(options.jti ?? randomUUID())
    .sign(new TextEncoder().encode(options.secret ?? CTX_SECRET));
}

const start = (query = '', body: Record<string, unknown> = { avatarId: 'acme-support' }) => request(h.app).post(`/api/avatar/session${query}`).send(body);

describe('session templates', () => {
  let emulator: EmulatorHandle;
  beforeAll(async () => {
    // The avatar must exist before the broker boots: TEMPLATES_FILE names it.
    emulator = await startEmulator({ settings: { apiKey: EMULATOR_KEY, readiness: { kind: 'fixed', ms: 50 }, concurrencyLimit: 1000, avatarProcessingMs: 0 } });
    avatarId = await customAvatar(emulator.url);
    const file = join(mkdtempSync(join(tmpdir(), 'templates-')), 'templates.yaml');
    writeFileSync(
      file,
      [
        '- id: lobby-greeter',
        '  avatarId: music-superstar',
        '  clients: [anonymous, jwt]',
        '- id: file-support',
        `  avatarId: ${avatarId}`,
        '  personality: "File template for {{name}}."',
        '  variables:',
        '    name: { maxLength: 40 }',
      ].join('\n'),
    );
    h = await startHarness(
      { ADMIN_API_KEYS: 'ops:admin-key-0123456789', CLIENTS_JSON: CLIENTS, TEMPLATE_CONTEXT_SECRET: CTX_SECRET, TEMPLATES_FILE: file, JWT_SECRET, JWT_ISSUER: 'acme', JWT_AUDIENCE: 'broker' },
      {},
      { emulator },
    );
    expect((await request(h.app).post('/api/templates').set(ADMIN).send(supportTemplate())).status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    await emulator?.close();
  });

  it('renders the context token\'s variables into exactly what reaches Runway, and records the template', async () => {
    const ctx = await sign({ template: 'acme-support', variables: { name: 'Ada', plan: 'pro' } });
    const res = await start(`?ctx=${ctx}`);
    expect(res.status).toBe(200);
    const upstream = sessionOf(h.emulator, res.body.sessionId);
    expect(upstream.personality).toBe('You are Acme support. The caller is Ada on the pro plan.');
    expect(upstream.startScript).toBe('Hi Ada, how can I help?');
    expect(upstream.avatar).toMatchObject({ type: 'custom', avatarId });
    expect(res.body.maxDuration).toBe(120);
    const status = await request(h.app).get(`/api/avatar/session/${res.body.sessionId}`);
    expect(status.status).toBe(200);
    expect(status.body.template).toBe('acme-support');
    expect(JSON.stringify(status.body)).not.toContain('Ada'); // never the rendered personality
  });

  it('passes {{other}} and markup in a value through literally, never rendering it again', async () => {
    const name = '{{plan}} <script>alert(1)</script> & {{name}}';
    const ctx = await sign({ template: 'acme-support', variables: { name } });
    const res = await start(`?ctx=${ctx}`);
    expect(res.status).toBe(200);
    const upstream = sessionOf(h.emulator, res.body.sessionId);
    expect(upstream.personality).toBe(`You are Acme support. The caller is ${name} on the free plan.`);
    expect(upstream.startScript).toBe(`Hi ${name}, how can I help?`);
  });

  it('accepts each context token once: a replay is 409 and starts nothing', async () => {
    const ctx = await sign({ template: 'acme-support', variables: { name: 'Ada' } });
    expect((await start(`?ctx=${ctx}`)).status).toBe(200);
    const before = h.emulator.ledger().sessions.length;
    const replay = await start(`?ctx=${ctx}&attempt=2`);
    expect([replay.status, replay.body.code]).toEqual([409, 'TEMPLATE_CONTEXT_REPLAYED']);
    expect(h.emulator.ledger().sessions).toHaveLength(before);
  });

  it('refuses expired, wrongly signed, wrong-audience and over-long-lived tokens with 401', async () => {
    const before = h.emulator.ledger().sessions.length;
    const claims = { template: 'acme-support', variables: { name: 'Ada' } };
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .setAudience('characters-broker/session-context')
      .setJti(randomUUID())
      .sign(new TextEncoder().encode(CTX_SECRET));
    const cases = [
      expired,
      await sign(claims, { secret: 'another-secret-0123456789abcdef01234' }),
      await sign(claims, { audience: 'broker' }),
      await sign(claims, { expiresIn: '1h' }),
      'not-a-jwt',
    ];
    for (const ctx of cases) {
      const res = await start(`?ctx=${ctx}`);
      expect([res.status, res.body.code]).toEqual([401, 'TEMPLATE_CONTEXT_INVALID']);
      expect(JSON.stringify(res.body)).not.toContain(ctx);
    }
    expect(h.emulator.ledger().sessions).toHaveLength(before);
  });

  it('a token for template A cannot start template B', async () => {
    const ctx = await sign({ template: 'file-support', variables: { name: 'Ada' } });
    const res = await start(`?ctx=${ctx}`, { avatarId: 'acme-support' });
    expect([res.status, res.body.code]).toEqual([401, 'TEMPLATE_CONTEXT_INVALID']);
    expect(res.body.error).toContain('another template');
    // …and it still works, once, for the template it names.
    expect((await start(`?ctx=${ctx}`, { avatarId: 'file-support' })).status).toBe(200);
  });

  it('refuses invalid variables with a 400 naming each one', async () => {
    const ctx = await sign({ template: 'acme-support', variables: { plan: 'enterprise', extra: 'x' } });
    const res = await start(`?ctx=${ctx}`);
    expect([res.status, res.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['variables.extra', 'variables.name', 'variables.plan']);
    // Refused before the one-use check, so a corrected token from the same server works.
    const fixed = await sign({ template: 'acme-support', variables: { name: 'Ada' } });
    expect((await start(`?ctx=${fixed}`)).status).toBe(200);
  });

  it('answers 422 TEMPLATE_TOO_LONG with the lengths before any upstream call', async () => {
    const long = { ...supportTemplate('long-support'), personality: `${'x'.repeat(9_990)}{{name}}`, variables: { name: { maxLength: 100 } } };
    expect((await request(h.app).post('/api/templates').set(ADMIN).send(long)).status).toBe(201);
    const before = h.emulator.ledger().sessions.length;
    const ctx = await sign({ template: 'long-support', variables: { name: 'A'.repeat(50) } });
    const res = await start(`?ctx=${ctx}`, { avatarId: 'long-support' });
    expect([res.status, res.body.code]).toEqual([422, 'TEMPLATE_TOO_LONG']);
    expect(res.body.lengths).toEqual({ personality: 10_040, startScript: 'Hi {{name}}, how can I help?'.length - 8 + 50 });
    expect(h.emulator.ledger().sessions).toHaveLength(before);
    const preview = await request(h.app).post('/api/templates/long-support/preview').set(ADMIN).send({ variables: { name: 'A'.repeat(50) } });
    expect(preview.body).toMatchObject({ withinLimits: false, lengths: { personality: 10_040 }, limits: { personality: 10_000, startScript: 2_000 } });
  });

  it('refuses variables in an anonymous (or ungranted) body, and anonymous starts of templates not open to them', async () => {
    const anon = await start('', { avatarId: 'acme-support', variables: { name: 'Mallory' } });
    expect([anon.status, anon.body.code]).toEqual([403, 'OVERRIDE_NOT_ALLOWED']);
    expect(anon.body.issues).toEqual([expect.objectContaining({ path: 'variables' })]);
    const plain = await start('', { avatarId: 'acme-support', variables: { name: 'Mallory' } }).set('Authorization', 'Bearer plain-key-0123456789abcdef');
    expect([plain.status, plain.body.code]).toEqual([403, 'OVERRIDE_NOT_ALLOWED']);
    const bare = await start('', { avatarId: 'acme-support' });
    expect([bare.status, bare.body.code]).toEqual([403, 'AVATAR_NOT_ALLOWED']);
    const personality = await start('', { avatarId: 'acme-support', personality: 'Be a pirate.' }).set('Authorization', 'Bearer backend-key-0123456789abcdef');
    expect([personality.status, personality.body.issues[0].path]).toEqual([400, 'personality']);
    // A variable-free template open to anonymous use starts with nothing but its id.
    const lobby = await start('', { avatarId: 'lobby-greeter' });
    expect(lobby.status).toBe(200);
  });

  it('takes variables from a granted API-key client\'s body and from a JWT caller\'s claim', async () => {
    const backend = await start('', { avatarId: 'acme-support', variables: { name: 'Grace', plan: 'pro' } }).set('Authorization', 'Bearer backend-key-0123456789abcdef');
    expect(backend.status).toBe(200);
    expect(sessionOf(h.emulator, backend.body.sessionId).startScript).toBe('Hi Grace, how can I help?');
    const jwt = await new SignJWT({ template_variables: { name: 'Linus', unrelated: 'ignored' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-7')
      .setIssuer('acme')
      .setAudience('broker')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    // acme-support allows JWT callers by default.
    const signedIn = await start('', { avatarId: 'acme-support' }).set('Authorization', `Bearer ${jwt}`);
    expect(signedIn.status).toBe(200);
    expect(sessionOf(h.emulator, signedIn.body.sessionId).personality).toBe('You are Acme support. The caller is Linus on the free plan.');
  });

  it('admin preview equals what a real start sends', async () => {
    const variables = { name: 'Preview Person', plan: 'pro' };
    const preview = await request(h.app).post('/api/templates/acme-support/preview').set(ADMIN).send({ variables });
    expect(preview.status).toBe(200);
    expect(preview.body.withinLimits).toBe(true);
    const ctx = await sign({ template: 'acme-support', variables });
    const res = await start(`?ctx=${ctx}`);
    const upstream = sessionOf(h.emulator, res.body.sessionId);
    const { params } = preview.body;
    expect({ personality: upstream.personality, startScript: upstream.startScript, avatar: upstream.avatar, maxDuration: upstream.requestedMaxDuration }).toEqual({
      personality: params.personality,
      startScript: params.startScript,
      avatar: params.avatar,
      maxDuration: params.maxDuration,
    });
    expect(preview.body.lengths).toEqual({ personality: params.personality.length, startScript: params.startScript.length });
  });

  it('manages templates: ids may not collide with presets or UUIDs, file templates are read-only, undeclared placeholders refused', async () => {
    const post = (body: object) => request(h.app).post('/api/templates').set(ADMIN).send(body);
    expect((await post({ ...supportTemplate('music-superstar') })).status).toBe(400);
    expect((await post({ ...supportTemplate(randomUUID()) })).status).toBe(400);
    const undeclared = await post({ ...supportTemplate('typo'), startScript: 'Hi {{nmae}}' });
    expect([undeclared.status, undeclared.body.issues[0]]).toEqual([400, { path: 'startScript', message: '{{nmae}} is not a declared variable' }]);
    expect((await post(supportTemplate())).body.code).toBe('TEMPLATE_CONFLICT');
    expect((await post(supportTemplate('file-support'))).body.code).toBe('TEMPLATE_CONFLICT');
    expect((await request(h.app).delete('/api/templates/file-support').set(ADMIN)).body.code).toBe('TEMPLATE_CONFLICT');
    const list = await request(h.app).get('/api/templates').set(ADMIN);
    expect(list.body.data.map((e: { template: { id: string }; source: string }) => `${e.template.id}:${e.source}`)).toEqual(
      expect.arrayContaining(['acme-support:api', 'file-support:file', 'lobby-greeter:file']),
    );
    expect((await post(supportTemplate('temp'))).status).toBe(201);
    const replaced = await request(h.app).put('/api/templates/temp').set(ADMIN).send({ ...supportTemplate('temp'), maxDuration: 60 });
    expect([replaced.status, replaced.body.template.maxDuration]).toEqual([200, 60]);
    expect((await request(h.app).delete('/api/templates/temp').set(ADMIN)).status).toBe(204);
    expect((await request(h.app).get('/api/templates/temp').set(ADMIN)).body.code).toBe('TEMPLATE_NOT_FOUND');
    expect((await request(h.app).get('/api/templates').set('Authorization', 'Bearer plain-key-0123456789abcdef')).status).toBe(403);
  });

  it('keeps ctx and variables to templates, and a context token is no bearer credential', async () => {
    const ctx = await sign({ template: 'acme-support', variables: { name: 'Ada' } });
    const preset = await start(`?ctx=${ctx}`, { avatarId: 'music-superstar' });
    expect([preset.status, preset.body.issues[0].path]).toEqual([400, 'avatarId']);
    const variables = await start('', { avatarId: 'music-superstar', variables: { name: 'Ada' } }).set('Authorization', 'Bearer backend-key-0123456789abcdef');
    expect(variables.status).toBe(400);
    const asBearer = await start('', { avatarId: 'acme-support' }).set('Authorization', `Bearer ${ctx}`);
    expect([asBearer.status, asBearer.body.code]).toEqual([401, 'UNAUTHORIZED']);
    // None of that spent the token.
    expect((await start(`?ctx=${ctx}`)).status).toBe(200);
  });

  it('never writes the context token to the logs', async () => {
    const ctx = await sign({ template: 'acme-support', variables: { name: 'Logged Nowhere' } });
    expect((await start(`?ctx=${ctx}`)).status).toBe(200);
    expect((await start(`?ctx=${ctx}`)).status).toBe(409);
    const bad = await sign({ template: 'acme-support' }, { secret: 'wrong-secret-0123456789abcdef0123456' });
    expect((await start(`?ctx=${bad}`)).status).toBe(401);
    const logs = h.logs.text();
    expect(logs).not.toContain(ctx);
    expect(logs).not.toContain(bad);
    expect(logs).not.toContain(ctx.split('.')[2]!); // not even the signature
    expect(logs).not.toContain('Logged Nowhere');
  });
});
