import { createHash } from 'node:crypto';
import { anonymousPolicy, ClientsError, loadApiKeyClients } from '../../src/access/clients';
import { findByKey } from '../../src/access/keys';
import { loadConfig } from '../../src/config';
import { planSession } from '../../src/sessions/plan';

const config = (env: Record<string, string> = {}) => loadConfig({ NODE_ENV: 'test', ...env });

describe('API-key clients', () => {
  it('loads clients from a mounted file, keeping only key hashes', () => {
    const sha = createHash('sha256').update('hashed-key-abcdefghijkl').digest('hex');
    const file = JSON.stringify([
      { name: 'web', key: 'plain-key-abcdefghijkl', scopes: ['sessions:create'], maxConcurrent: 3, avatars: ['cat-character'], overrides: ['tools'] },
      { name: 'kiosk', keySha256: sha },
    ]);
    const clients = loadApiKeyClients(config({ CLIENTS_FILE: '/run/secrets/clients.json' }), (path) => {
      expect(path).toBe('/run/secrets/clients.json');
      return file;
    });
    expect(JSON.stringify(clients)).not.toContain('plain-key-abcdefghijkl');
    expect(findByKey(clients, 'plain-key-abcdefghijkl')?.policy).toMatchObject({ scopes: ['sessions:create'], maxConcurrent: 3, avatars: ['cat-character'], overrides: ['tools'] });
    expect(findByKey(clients, 'hashed-key-abcdefghijkl')?.name).toBe('kiosk');
    expect(findByKey(clients, 'hashed-key-abcdefghijkX')).toBeUndefined();
  });

  it('gives admin keys every scope and override', () => {
    const [admin] = loadApiKeyClients(config({ ADMIN_API_KEYS: 'ops:secret-admin-key' }));
    expect(admin).toMatchObject({ name: 'ops', policy: { scopes: ['sessions:create', 'sessions:read', 'admin'], avatars: null } });
    expect(admin!.policy.overrides).toEqual(['personality', 'startScript', 'maxDuration', 'tools', 'variables']);
  });

  it('bounds a client\'s own maxDuration by SESSION_MAX_DURATION_CAP_S (the global cap bounds everything)', () => {
    const json = JSON.stringify([{ name: 'long', key: 'long-sessions-key-0123', overrides: ['maxDuration'], maxDuration: 1800 }]);
    const [client] = loadApiKeyClients(config({ CLIENTS_JSON: json, SESSION_MAX_DURATION_CAP_S: '120', SESSION_DEFAULT_MAX_DURATION_S: '60' }));
    expect(client!.policy.maxDuration).toBe(120);
    const identity = { id: 'key:long', kind: 'api-key' as const, scopes: client!.policy.scopes, policy: { ...client!.policy, maxDuration: 1800 } };
    const cfg = config({ SESSION_MAX_DURATION_CAP_S: '120', SESSION_DEFAULT_MAX_DURATION_S: '60' });
    expect(planSession({ avatarId: 'music-superstar', maxDuration: 1800 }, 'credentials', identity, cfg).maxDuration).toBe(120);
  });

  it.each([
    ['not JSON', '{', /CLIENTS_JSON: not valid JSON/],
    ['a short key', JSON.stringify([{ name: 'a', key: 'short' }]), /at least 16/],
    ['both key forms', JSON.stringify([{ name: 'a', key: 'k'.repeat(20), keySha256: 'a'.repeat(64) }]), /exactly one of key or keySha256/],
    ['an unknown scope', JSON.stringify([{ name: 'a', key: 'k'.repeat(20), scopes: ['root'] }]), /scopes/],
    ['a duplicate name', JSON.stringify([{ name: 'a', key: 'k'.repeat(20) }, { name: 'a', key: 'j'.repeat(20) }]), /used twice/],
  ])('refuses %s with a readable error', (_what, json, message) => {
    expect(() => loadApiKeyClients(config({ CLIENTS_JSON: json }))).toThrow(ClientsError);
    expect(() => loadApiKeyClients(config({ CLIENTS_JSON: json }))).toThrow(message);
  });
});

describe('anonymous policy', () => {
  it('is on outside production and off by default in production', () => {
    expect(anonymousPolicy(config())).not.toBeNull();
    expect(anonymousPolicy(loadConfig({ NODE_ENV: 'production', RUNWAY_MODE: 'emulator' }))).toBeNull();
  });

  it('never grants overrides and uses the anonymous limits and allowlist', () => {
    const policy = anonymousPolicy(config({ ANONYMOUS_AVATARS: 'cat-character', ANONYMOUS_MAX_CONCURRENT: '1' }))!;
    expect(policy).toMatchObject({ overrides: [], maxConcurrent: 1, avatars: ['cat-character'] });
  });

  it('in production requires both allowlists', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', RUNWAY_MODE: 'emulator', ANONYMOUS_SESSIONS: 'on', CORS_ORIGINS: 'https://a.example' })).toThrow(/ANONYMOUS_AVATARS/);
    const ok = loadConfig({ NODE_ENV: 'production', RUNWAY_MODE: 'emulator', ANONYMOUS_SESSIONS: 'on', CORS_ORIGINS: 'https://a.example', ANONYMOUS_AVATARS: 'cat-character' });
    expect(ok.anonymousSessions).toBe(true);
  });

  it('JWT needs issuer and audience', () => {
    expect(() => loadConfig({ JWT_SECRET: 's'.repeat(40) })).toThrow(/JWT_ISSUER and JWT_AUDIENCE/);
  });
});
