import type { Browser } from 'playwright-core';
import request from 'supertest';
import { describeWithChromium, launchChromium } from '../support/chromium';
import { startHarness, type Harness } from '../support/harness';
import { buildWebBundles, cspViolations, maybeScreenshot, seriousA11yViolations, watchPage } from './playground-helpers';

// /console in Debian's Chromium: it needs an admin key, then shows a running session, capacity,
// per-client usage and recent errors, live; and GET /api/console/state never holds credentials.

const ADMIN_KEY = 'console-admin-key-0123456789abc';
const APP_KEY = 'console-app-key-0123456789abcdef';

let h: Harness;
let browser: Browser | undefined;
let origin: string;

describeWithChromium('test/browser/console.test.ts')('the /console page', () => {
  beforeAll(async () => {
    buildWebBundles();
    h = await startHarness({
      ADMIN_API_KEYS: `ops:${ADMIN_KEY}`,
      CLIENTS_JSON: JSON.stringify([{ name: 'app', key: APP_KEY, maxConcurrent: 3 }]),
      GLOBAL_MAX_SESSIONS: '7',
    });
    origin = await h.listen();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('GET /api/console/state needs the admin scope', async () => {
    expect((await request(h.app).get('/api/console/state')).status).toBe(401);
    expect((await request(h.app).get('/api/console/state').set('Authorization', `Bearer ${APP_KEY}`)).body).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('shows a running session, capacity, clients and errors, and never credentials', async () => {
    const started = await request(h.app).post('/api/avatar/session').set('Authorization', `Bearer ${APP_KEY}`).send({ avatarId: 'music-superstar' });
    expect(started.status).toBe(200);
    const { sessionId, token } = started.body as { sessionId: string; token: string };
    expect((await request(h.app).post('/api/avatar/session').set('Authorization', `Bearer ${APP_KEY}`).send({})).status).toBe(400);

    const state = await request(h.app).get('/api/console/state').set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(state.status).toBe(200);
    expect(state.headers['cache-control']).toBe('no-store');
    expect(state.body).toMatchObject({
      capacity: { limit: 7, used: 1, free: 6 },
      running: [expect.objectContaining({ sessionId, client: 'key:app', status: 'delivered', avatar: { type: 'runway-preset', id: 'music-superstar' } })],
      clients: expect.arrayContaining([{ client: 'key:app', used: 1, limit: 3 }]),
      errors: expect.arrayContaining([expect.objectContaining({ code: 'INVALID_REQUEST', status: 400, count: 1 })]),
    });
    expect(state.body.upstream.find((u: { op: string }) => u.op === 'sessions.create')).toMatchObject({ count: 1 });
    expect(state.body.timeToCredentials.count).toBe(1);
    const text = JSON.stringify(state.body);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/wss?:\/\/|sessionKey|"token"/);

    const page = await browser!.newPage();
    const { urls } = await watchPage(page);
    const response = await page.goto(`${origin}/console`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/connect-src 'self'/);

    // Without a valid admin key the page shows nothing but the refusal.
    await page.getByLabel('Admin API key').fill('not-a-key-at-all-0000');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('Refused (401)').waitFor();
    await page.getByLabel('Admin API key').fill(APP_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('Refused (403)').waitFor();
    expect(await page.locator('[data-testid="running"]').count()).toBe(0);

    await page.getByLabel('Admin API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('[data-testid="running"]', { hasText: sessionId }).waitFor();
    expect(await page.getByTestId('capacity').innerText()).toBe('1 of 7 slots used, 6 free');
    await page.locator('[data-testid="clients"]', { hasText: 'key:app' }).waitFor();
    await page.locator('[data-testid="errors"]', { hasText: 'INVALID_REQUEST' }).waitFor();

    expect(await seriousA11yViolations(page)).toEqual([]);
    await maybeScreenshot(page, 'console');

    // Live: the page polls, so the cancelled session moves to "recently ended" without a reload.
    expect((await request(h.app).delete(`/api/avatar/session/${sessionId}`).set('Authorization', `Bearer ${APP_KEY}`)).status).toBe(204);
    await page.locator('[data-testid="ended"]', { hasText: sessionId }).waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="running"]', { hasText: 'none' }).waitFor({ timeout: 15_000 });

    expect(urls.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  }, 60_000);
});
