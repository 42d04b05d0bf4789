// The fuzzer's checks catch what they claim to (a check that never fires proves nothing).
import { checkResponse, secretsIn, type Observed } from './invariants';
import { loadContract } from './spec';

const contract = loadContract();
const op = (key: string) => contract.operations.find((o) => o.key === key)!;
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Observed => ({
  status,
  headers: new Headers({ 'content-type': 'application/json; charset=utf-8', ...headers }),
  text: JSON.stringify(body),
  json: body,
});
const invariants = (key: string | undefined, r: Observed) => checkResponse(contract, key ? op(key) : undefined, r).map((v) => v.invariant);
const error = (code: string) => ({ error: 'x', code, requestId: 'r' });

it('reads every operation of the committed document', () => {
  expect(contract.operations.length).toBeGreaterThanOrEqual(20);
  expect(op('POST /api/avatar/session').responses['504']!.codes).toEqual(['SESSION_TIMEOUT']);
});

it('accepts documented answers', () => {
  expect(invariants('GET /api/avatar/session/{id}', json(404, error('NOT_FOUND')))).toEqual([]);
  expect(invariants('POST /api/avatar/session', json(503, { ...error('CAPACITY_EXHAUSTED'), retryAfter: 1 }))).toEqual([]);
  expect(invariants('GET /livez', json(200, { status: 'ok' }, { 'cache-control': 'no-store' }))).toEqual([]);
});

it('flags a 500, an undocumented 5xx code, an undocumented status and a code the operation does not list', () => {
  expect(invariants('GET /api/presets', json(500, error('INTERNAL')))).toContain('no-5xx');
  expect(invariants('POST /api/avatar/session', json(502, error('UPSTREAM_UNAVAILABLE')))).toEqual(expect.arrayContaining(['documented-code', 'no-5xx']));
  expect(invariants('GET /api/presets', json(404, error('NOT_FOUND')))).toContain('documented-status');
  expect(invariants('GET /api/avatar/session/{id}', json(404, error('AVATAR_NOT_FOUND')))).toContain('documented-code');
  expect(invariants(undefined, json(418, error('TEAPOT')))).toContain('documented-code');
});

it('flags error bodies off the Error schema and 2xx bodies that drifted from their schema', () => {
  expect(invariants('GET /api/avatar/session/{id}', json(404, { message: 'nope' }))).toContain('error-schema');
  expect(invariants('GET /api/avatar/session/{id}', { status: 400, headers: new Headers({ 'content-type': 'text/html' }), text: '<h1>400</h1>' })).toContain('error-schema');
  expect(invariants('GET /api/avatar/session/{id}', json(200, { sessionId: 'not-a-uuid', status: 'delivered' }))).toContain('response-schema');
  expect(invariants('DELETE /api/avatar/session/{id}', { status: 204, headers: new Headers(), text: '{}' })).toContain('response-schema');
});

it('flags a missing documented header', () => {
  expect(invariants('GET /livez', json(200, { status: 'ok' }))).toContain('response-headers');
});

it('finds static secrets by substring and upstream secrets by token', () => {
  const upstream = new Set(['0123456789abcdef0123456789abcdef']);
  expect(secretsIn('{"x":"Bearer key_live_secret_1234"}', ['key_live_secret_1234'], upstream)).toEqual(['key_live_secret_1234']);
  expect(secretsIn('{"sessionKey":"0123456789abcdef0123456789abcdef"}', [], upstream)).toHaveLength(1);
  expect(secretsIn('{"sessionKey":"[Redacted]"}', ['key_live_secret_1234'], upstream)).toEqual([]);
});
