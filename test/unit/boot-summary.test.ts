import { describeConfig, loadConfig, SECRET_SET } from '../../src/config';
import { devLine } from '../../src/logger';

// The boot log: what is in use, only what someone chose, and no character of any secret.

describe('boot summary (describeConfig)', () => {
  const secrets = {
    RUNWAYML_API_SECRET: 'key_0123456789abcdefghij',
    JWT_SECRET: 'jwtsecret-0123456789-0123456789-0123456789',
    JWT_ISSUER: 'https://issuer.example',
    JWT_AUDIENCE: 'broker',
    CLIENTS_JSON: '[{"name":"web","key":"clientkey-0123456789abcdef","scopes":["sessions:create"]}]',
    ADMIN_API_KEYS: 'ops:adminkey-0123456789',
    REDIS_URL: 'redis://:redispassword@127.0.0.1:6379',
  };

  it('shows secrets only as set: not even their first characters', () => {
    const shown = describeConfig(loadConfig({ NODE_ENV: 'test', ...secrets }));
    for (const name of Object.keys(secrets).filter((n) => n !== 'JWT_ISSUER' && n !== 'JWT_AUDIENCE')) expect(shown[name]).toBe(SECRET_SET);
    const text = JSON.stringify(shown);
    for (const [name, value] of Object.entries(secrets)) {
      if (name === 'JWT_ISSUER' || name === 'JWT_AUDIENCE') continue;
      expect(text).not.toContain(value.slice(0, 4));
    }
  });

  it('lists only the settings the environment set, not the defaults', () => {
    expect(describeConfig(loadConfig({ NODE_ENV: 'test', PORT: '9090' }))).toEqual({ NODE_ENV: 'test', PORT: 9090 });
  });

  it('names the development defaults in use (development on the embedded emulator only)', () => {
    const dev = loadConfig({});
    expect(dev).toMatchObject({ devDefaults: true, ANONYMOUS_MAX_CONCURRENT: 10, SESSION_DEFAULT_MAX_DURATION_S: 60, SHUTDOWN_DRAIN_DELAY_MS: 0 });
    expect(describeConfig(dev).ANONYMOUS_MAX_CONCURRENT).toBe('10 (development default)');
    // An explicit value wins over a development default.
    expect(loadConfig({ ANONYMOUS_MAX_CONCURRENT: '3' }).ANONYMOUS_MAX_CONCURRENT).toBe(3);
    // A live key (money) and production keep the ordinary defaults.
    expect(loadConfig({ RUNWAYML_API_SECRET: 'key_abc' })).toMatchObject({ devDefaults: false, ANONYMOUS_MAX_CONCURRENT: 2, SHUTDOWN_DRAIN_DELAY_MS: 5000 });
    expect(loadConfig({ NODE_ENV: 'production', RUNWAY_MODE: 'emulator' })).toMatchObject({ devDefaults: false, ANONYMOUS_MAX_CONCURRENT: 2 });
  });

  it('keeps the server timeouts in the order Node needs', () => {
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '70000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must exceed HTTP_KEEP_ALIVE_TIMEOUT_MS/);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '130000' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS: must be at least HTTP_HEADERS_TIMEOUT_MS/);
  });
});

describe('development log line', () => {
  it('is one line per request: method, route, status, ms, request id', () => {
    const line = devLine({ msg: 'request completed', req: { id: 'r-1', method: 'POST', path: '/api/avatar/session/abc' }, res: { statusCode: 201 }, responseTime: 12.4, route: '/api/avatar/session/:id' });
    expect(line).toBe('POST /api/avatar/session/:id 201 12ms r-1');
    expect(devLine({ msg: 'listening', component: 'emulator' })).toBe('emulator: listening');
    expect(devLine({ msg: 'emulator: listening', component: 'emulator' })).toBe('emulator: listening');
  });
});
