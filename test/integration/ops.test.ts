import request from 'supertest';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
afterEach(() => h?.close());

describe('/metrics', () => {
  it('counts sessions by outcome, upstream calls by operation, with bounded labels only', async () => {
    h = await startHarness();
    const ok = await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
    expect(ok.status).toBe(200);
    await request(h.app).post('/api/avatar/session').send({ avatarId: 'nope' });
    const res = await request(h.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.text;
    expect(text).toMatch(/broker_sessions_total\{outcome="delivered"\} 1/);
    expect(text).toMatch(/broker_sessions_total\{outcome="rejected"\} 1/);
    expect(text).toMatch(/broker_session_rejections_total\{code="INVALID_REQUEST"\} 1/);
    expect(text).toMatch(/broker_upstream_requests_total\{op="sessions.create",status="ok"\} 1/);
    expect(text).toMatch(/broker_upstream_requests_total\{op="sessions.consume",status="ok"\} 1/);
    expect(text).toMatch(/broker_session_time_to_credentials_seconds_count 1/);
    expect(text).toMatch(/broker_sessions_inflight 0/);
    expect(text).toMatch(/broker_http_request_duration_seconds_count\{method="POST",route="\/api\/avatar\/session",status="200"\} 1/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    // No ids or secrets in any label or value.
    expect(text).not.toContain(ok.body.sessionId);
    expect(text).not.toContain(ok.body.token);
  });

  it('counts orphan cancellations by reason', async () => {
    h = await startHarness({ SESSION_READY_TIMEOUT_MS: '1000' }, { readiness: { kind: 'fixed', ms: 10_000 } });
    expect((await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })).status).toBe(504);
    await h.broker.orchestrator.drain(0); // waits for background cancels
    const text = (await request(h.app).get('/metrics')).text;
    expect(text).toMatch(/broker_orphan_cancellations_total\{reason="timeout",result="cancelled"\} 1/);
    expect(text).toMatch(/broker_sessions_total\{outcome="timeout"\} 1/);
  });

  it('can move to a separate port (then the main app does not serve it)', async () => {
    h = await startHarness({ METRICS_PORT: '9464' });
    expect((await request(h.app).get('/metrics')).status).toBe(404);
  });
});

describe('/readyz', () => {
  it('reports a Runway outage as degraded but stays ready', async () => {
    h = await startHarness({ UPSTREAM_MAX_RETRIES: '0' });
    expect((await request(h.app).get('/readyz')).body).toMatchObject({ status: 'ready', checks: { upstream: 'unknown' } });
    h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'status', status: 503 } });
    expect((await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })).status).toBe(503);
    const res = await request(h.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { upstream: 'degraded' } });
    h.emulator.clearFaults();
    expect((await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })).status).toBe(200);
    expect((await request(h.app).get('/readyz')).body.checks.upstream).toBe('ok');
  });

  it('is exempt from auth: probes carry no credentials', async () => {
    h = await startHarness({ ADMIN_API_KEYS: 'k:secret' });
    expect((await request(h.app).get('/readyz').set('Authorization', 'Bearer wrong')).status).toBe(200);
    expect((await request(h.app).get('/livez').set('Authorization', 'Bearer wrong')).status).toBe(200);
  });
});

describe('request logs', () => {
  it('writes one line per request with request id, route template, status and duration, and no query or body', async () => {
    h = await startHarness();
    const res = await request(h.app).post('/api/avatar/session?attempt=secret-nonce').set('X-Request-Id', 'log-test-1').send({ avatarId: 'music-superstar' });
    expect(res.status).toBe(200);
    const lines = h.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.req?.id === 'log-test-1');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ level: 30, msg: 'request completed', route: '/api/avatar/session', req: { method: 'POST', path: '/api/avatar/session' }, res: { statusCode: 200 } });
    expect(typeof line.responseTime).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret-nonce');
    expect(JSON.stringify(line)).not.toContain(res.body.token);
  });

  it('logs 4xx at warn and 5xx at error', async () => {
    h = await startHarness({}, { failureRate: 1 });
    await request(h.app).post('/api/avatar/session').set('X-Request-Id', 'bad-1').send({});
    await request(h.app).post('/api/avatar/session').set('X-Request-Id', 'bad-2').send({ avatarId: 'music-superstar' });
    const levelOf = (id: string) => h.logs.lines.map((l) => JSON.parse(l)).find((l) => l.req?.id === id)?.level;
    expect(levelOf('bad-1')).toBe(40);
    expect(levelOf('bad-2')).toBe(50);
  });
});

describe('/docs', () => {
  it('does not ask browsers to upgrade its own requests to https (it must work over plain http behind compose)', async () => {
    const h = await startHarness();
    try {
      const res = await request(h.app).get('/docs');
      expect(res.status).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
    } finally {
      await h.close();
    }
  });
});
