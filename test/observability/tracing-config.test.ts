import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { redactAttribute, tracingPlan } from '../../src/ops/tracing';

describe('tracingPlan: off unless OTEL_* asks for an exporter', () => {
  it.each([
    [{}, undefined],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, undefined],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, undefined],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, ['otlp']],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }, ['otlp']],
    [{ OTEL_TRACES_EXPORTER: 'otlp,console' }, ['otlp', 'console']],
  ])('%j → %j', (env, exporters) => {
    expect(tracingPlan(env)?.exporters).toEqual(exporters);
  });

  it('warns about what it cannot honour instead of silently dropping spans', () => {
    expect(tracingPlan({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })!.warnings.join()).toContain('grpc');
    expect(tracingPlan({ OTEL_TRACES_EXPORTER: 'otlp,zipkin' })!.warnings.join()).toContain('zipkin');
  });
});

it('redacts credential-looking attributes and query strings', () => {
  expect(redactAttribute('http.request.header.authorization', ['Bearer x'])).toBe('[redacted]');
  expect(redactAttribute('session.sessionKey', 'k')).toBe('[redacted]');
  expect(redactAttribute('url.full', 'http://h/p?token=abc')).toBe('http://h/p');
  expect(redactAttribute('http.target', '/p?token=abc')).toBe('/p');
  expect(redactAttribute('url.query', 'token=abc')).toBe('');
  expect(redactAttribute('session.id', 'abc')).toBe('abc');
});

it('loads no OpenTelemetry SDK when tracing is off (dist/, built by npm test first)', () => {
  const preload = join(__dirname, '..', '..', 'dist', 'ops', 'tracing-preload.js');
  const script = `require(${JSON.stringify(preload)}); console.log(JSON.stringify(Object.keys(require.cache).filter((p) => p.includes('@opentelemetry'))))`;
  const run = spawnSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual([]);
});
