import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { buildTimeline } from '../../web/playground/timeline';
import { describeWithChromium, launchChromium } from '../support/chromium';
import { eventually, sessionOf, startHarness, type Harness } from '../support/harness';
import { buildWebBundles, cspViolations, maybeScreenshot, seriousA11yViolations, watchPage } from './playground-helpers';

// /playground in Debian's Chromium against the emulator: the real <AvatarCall> gets credentials from
// this broker, its livekit-client dials the emulator's LiveKit probe, the timeline fills in from the
// broker's status, and "End call" ends the session upstream. The page talks to nobody but its own
// origin and the LiveKit URL in the credentials.

const ADMIN_KEY = 'playground-admin-key-0123456789';

let h: Harness;
let browser: Browser | undefined;
let origin: string;

interface Step {
  id: string;
  done: boolean;
  at: number | null;
  ms: number | null;
}

async function timeline(page: Page): Promise<{ sessionId: string; brokerStatus: string; steps: Record<string, Step> }> {
  // A string: the tests compile without the DOM library.
  return (await page.evaluate(`(() => {
    const list = document.querySelector('[data-testid="timeline"]');
    const steps = {};
    for (const li of list.querySelectorAll('li')) {
      const id = li.getAttribute('data-step');
      const at = li.getAttribute('data-at');
      const ms = li.getAttribute('data-ms');
      steps[id] = { id, done: li.classList.contains('done'), at: at ? Number(at) : null, ms: ms ? Number(ms) : null };
    }
    return { sessionId: list.getAttribute('data-session-id') || '', brokerStatus: list.getAttribute('data-broker-status') || '', steps };
  })()`)) as { sessionId: string; brokerStatus: string; steps: Record<string, Step> };
}

describeWithChromium('test/browser/playground.test.ts')('the /playground page', () => {
  beforeAll(async () => {
    buildWebBundles();
    // Readiness takes a moment, so the broker's poll sees the session provisioning.
    h = await startHarness({ ADMIN_API_KEYS: `ops:${ADMIN_KEY}` }, { readiness: { kind: 'fixed', ms: 400 } });
    origin = await h.listen();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('starts a call through the broker, shows the timeline, dials LiveKit, and ending the call ends the session', async () => {
    const page = await browser!.newPage();
    const { urls } = await watchPage(page);
    const response = await page.goto(`${origin}/playground`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(response?.headers()['cache-control']).toBe('no-cache');
    await page.getByText('the emulator streams no video or audio').waitFor();

    await page.getByRole('combobox', { name: 'Avatar' }).selectOption('music-superstar');
    await page.getByRole('button', { name: 'Start call' }).click();

    // The client marks credentials received; the broker's status then fills in its own steps.
    await page.waitForSelector('li[data-step="credentials"].done', { timeout: 20_000 });
    await page.waitForSelector('li[data-step="consumed"].done', { timeout: 10_000 });
    const { sessionId, steps } = await timeline(page);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const s = (id: string) => steps[id]!;
    for (const id of ['request-sent', 'created', 'provisioning', 'ready', 'consumed', 'credentials']) expect(s(id)).toMatchObject({ done: true });
    // Plausible timings: in order on the broker's clock, READY after the emulator's 400 ms, all within the deadline.
    expect(s('created').at!).toBeLessThanOrEqual(s('provisioning').at!);
    expect(s('provisioning').at!).toBeLessThanOrEqual(s('ready').at!);
    expect(s('ready').at! - s('created').at!).toBeGreaterThanOrEqual(300);
    expect(s('ready').at!).toBeLessThanOrEqual(s('consumed').at!);
    expect(s('credentials').ms!).toBeGreaterThanOrEqual(s('ready').at! - s('created').at!);
    expect(s('credentials').ms!).toBeLessThan(20_000);

    // The emulator's LiveKit probe saw the browser dial in with those credentials.
    await eventually(() => sessionOf(h.emulator, sessionId).livekitDialIns >= 1, 15_000);
    const record = await h.broker.registry.get(sessionId);
    expect(record?.status).toBe('delivered');

    expect(await seriousA11yViolations(page)).toEqual([]);
    await maybeScreenshot(page, 'playground');

    // Ending the call cancels the session upstream (the SDK's end() alone never tells a server).
    await page.getByRole('button', { name: 'End call' }).click();
    await eventually(() => sessionOf(h.emulator, sessionId).status === 'CANCELLED', 10_000);
    await eventually(() => sessionOf(h.emulator, sessionId).deletes >= 1, 1000);
    await page.waitForSelector('li[data-step="ended"].done');
    await page.waitForSelector('[data-testid="timeline"][data-broker-status="cancelled"]', { timeout: 10_000 });
    expect((await h.broker.registry.get(sessionId))?.status).toBe('cancelled');
    // Then the conversation record is fetched from the broker.
    await page.waitForFunction(`!document.querySelector('[data-testid="conversation"]').textContent.startsWith('Shown after')`, undefined, { timeout: 10_000 });

    // Nothing left the origin except the LiveKit dial (and livekit-client's validate call to the same server).
    const livekit = new URL(h.emulator.url);
    const foreign = urls.filter((u) => {
      const url = new URL(u);
      if (url.origin === origin) return false;
      return !(url.host === livekit.host && url.pathname.startsWith('/livekit/'));
    });
    expect(foreign).toEqual([]);
    expect(urls.some((u) => u.startsWith(`ws://${livekit.host}/livekit/rtc`))).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  }, 90_000);

  it('lists custom avatars with an admin key, and says why without one', async () => {
    const created = await request(h.app)
      .post('/api/avatars')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .send({ name: 'Ada', personality: 'You are a friendly museum guide.', voice: 'clara', referenceImage: 'https://example.com/face.jpg' });
    expect(created.status).toBe(201);
    const page = await browser!.newPage();
    await page.goto(`${origin}/playground`);
    await page.getByLabel('API key (optional)').fill('wrong-key-0123456789abcdef');
    await page.getByRole('button', { name: 'List custom avatars' }).click();
    await page.getByText('Could not list custom avatars: 401').waitFor();
    await page.getByLabel('API key (optional)').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'List custom avatars' }).click();
    await page.getByText('1 custom avatar(s) listed.').waitFor();
    await page.getByRole('combobox', { name: 'Avatar' }).selectOption(created.body.id);
    // The snippets follow the chosen avatar.
    await page.getByText(`avatarId="${created.body.id}"`).waitFor();
    await page.close();
  }, 30_000);

  it('serves the bundles content-hashed and immutable', async () => {
    const html = await (await fetch(`${origin}/playground`)).text();
    const script = /src="(\/web\/playground-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const res = await fetch(`${origin}${script}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(res.headers.get('content-type')).toContain('javascript');
  });
});

describe('the playground timeline', () => {
  const status = {
    sessionId: 'x',
    status: 'delivered',
    requestedAt: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.200Z',
    queuedAt: null,
    provisioningAt: '2026-01-01T00:00:00.300Z',
    readyAt: '2026-01-01T00:00:01.300Z',
    deliveredAt: '2026-01-01T00:00:01.400Z',
    endedAt: null,
    failureCode: null,
    endReason: null,
  };
  const sent = Date.parse('2026-01-01T00:00:00.000Z');

  it('orders the steps, times each from the request and from the previous step, and marks skipped ones', () => {
    const steps = buildTimeline({ requestSent: sent, credentialsReceived: sent + 1450 }, status);
    expect(steps.map((s) => s.id)).toEqual(['request-sent', 'created', 'queued', 'provisioning', 'ready', 'consumed', 'credentials', 'livekit', 'ended']);
    const by = Object.fromEntries(steps.map((s) => [s.id, s]));
    expect(by.created).toMatchObject({ sinceStart: 200, delta: 200 });
    expect(by.queued).toMatchObject({ skipped: true });
    expect(by.ready).toMatchObject({ sinceStart: 1300, delta: 1000 });
    expect(by.credentials).toMatchObject({ sinceStart: 1450, delta: 50 });
    expect(by.livekit?.at).toBeUndefined();
  });

  it('shows a pooled start as such', () => {
    const steps = buildTimeline({ requestSent: sent }, { ...status, pooled: true });
    expect(steps.find((s) => s.id === 'created')?.label).toBe('Taken from the warm pool');
    expect(buildTimeline({}, status).find((s) => s.id === 'created')?.label).toBe('Created upstream');
  });
});

describe('the /playground setting', () => {
  it('is off in production unless PLAYGROUND=on', async () => {
    const off = await startHarness({ NODE_ENV: 'production', RUNWAY_MODE: 'emulator', ANONYMOUS_SESSIONS: 'off' });
    const on = await startHarness({ NODE_ENV: 'production', RUNWAY_MODE: 'emulator', ANONYMOUS_SESSIONS: 'off', PLAYGROUND: 'on' });
    try {
      const request = (await import('supertest')).default;
      expect((await request(off.app).get('/playground')).status).toBe(404);
      expect((await request(on.app).get('/playground')).status).not.toBe(404);
    } finally {
      await off.close();
      await on.close();
    }
  });
});
