import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig, SETTINGS } from '../../src/config';
import { ERROR_CODES } from '../../src/errors';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('has working defaults: no key in development means the embedded emulator', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 8080, SESSION_READY_TIMEOUT_MS: 60_000, SESSION_MAX_DURATION_CAP_S: 300, upstreamMode: 'emulator' });
    expect(config.CORS_ORIGINS).toEqual([]);
  });

  it('uses the live API when the SDK\'s own RUNWAYML_API_SECRET is set', () => {
    expect(loadConfig({ RUNWAYML_API_SECRET: 'key_abc' }).upstreamMode).toBe('live');
  });

  it('reports one readable line per bad value', () => {
    const lines = problems({ PORT: 'eighty', SESSION_KEY_SHAPE_ENABLED: 'maybe', RUNWAYML_BASE_URL: 'not a url' });
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith('PORT:'))).toContain('"eighty"');
    expect(lines.find((l) => l.startsWith('SESSION_KEY_SHAPE_ENABLED:'))).toContain('true or false');
  });

  it('refuses production without a Runway key unless the emulator is chosen explicitly', () => {
    expect(problems({ NODE_ENV: 'production' })[0]).toMatch(/RUNWAYML_API_SECRET.*RUNWAY_MODE=emulator/);
    expect(loadConfig({ NODE_ENV: 'production', RUNWAY_MODE: 'emulator' }).upstreamMode).toBe('emulator');
    expect(problems({ RUNWAY_MODE: 'live' })[0]).toContain('RUNWAYML_API_SECRET');
  });

  it('never prints secrets, even when they are invalid', () => {
    const shown = JSON.stringify(describeConfig(loadConfig({ RUNWAYML_API_SECRET: 'key_supersecretvalue', ADMIN_API_KEYS: 'ops:adminsecret' })));
    expect(shown).not.toContain('supersecretvalue');
    expect(shown).not.toContain('adminsecret');
  });

  it('parses lists and clamps nothing silently', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(problems({ SESSION_DEFAULT_MAX_DURATION_S: '600' })[0]).toContain('SESSION_MAX_DURATION_CAP_S');
  });

  it('.env.example documents every setting', () => {
    const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    for (const name of Object.keys(SETTINGS)) expect(example).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
  });
});

describe('README', () => {
  it('documents every setting and every error code', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const name of Object.keys(SETTINGS)) expect(readme).toContain(`\`${name}\``);
    for (const code of Object.keys(ERROR_CODES)) expect(readme).toContain(`\`${code}\``);
  });
});
