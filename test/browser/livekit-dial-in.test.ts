import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/chromium';
import { eventually, startHarness, type Harness } from '../support/harness';

// The end-to-end proof a frontend team cares about: in a real browser, on another origin, a page does
// exactly what <AvatarCall connectUrl> does (one JSON POST, so a CORS preflight), then hands the
// credentials to the real livekit-client, which dials the emulator's LiveKit probe. The emulator's
// ledger shows the token dialled in. No media flows: the probe accepts, records and closes.

const LIVEKIT_ESM = require.resolve('livekit-client').replace(/livekit-client\.[^/]*$/, 'livekit-client.esm.mjs');

function page(broker: string): string {
  return `<!doctype html><meta charset="utf-8"><title>dial-in</title><script type="module">
import { Room } from '/livekit-client.esm.mjs';
const res = await fetch('${broker}/api/avatar/session?attempt=1', {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ avatarId: 'music-superstar' }),
});
const credentials = await res.json();
window.credentials = { status: res.status, ...credentials };
const room = new Room({ adaptiveStream: false, dynacast: false });
room.connect(credentials.serverUrl, credentials.token, { autoSubscribe: true }).then(
  () => (window.outcome = 'connected'),
  (err) => (window.outcome = 'ended: ' + err.message),
);
</script>`;
}

let h: Harness;
let site: Server;
let browser: Browser | undefined;

describeWithChromium('test/browser/livekit-dial-in.test.ts')('a real browser on another origin', () => {
  let siteOrigin: string;
  let brokerOrigin = '';
  beforeAll(async () => {
    site = createServer((req, res) => {
      if (req.url === '/livekit-client.esm.mjs') {
        res.setHeader('content-type', 'text/javascript');
        res.end(readFileSync(LIVEKIT_ESM));
      } else res.setHeader('content-type', 'text/html').end(page(brokerOrigin));
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    h = await startHarness({ CORS_ORIGINS: siteOrigin });
    brokerOrigin = await h.listen();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    site?.close();
    await h?.close();
  });

  it('gets credentials through a CORS preflight and dials LiveKit with them', async () => {
    const tab = await browser!.newPage();
    await tab.goto(siteOrigin);
    await tab.waitForFunction(() => (globalThis as unknown as { credentials?: unknown }).credentials !== undefined, undefined, { timeout: 15_000 });
    const credentials = await tab.evaluate(() => (globalThis as unknown as { credentials: Record<string, unknown> }).credentials);
    expect(credentials).toMatchObject({ status: 200, sessionId: expect.any(String), serverUrl: expect.stringMatching(/^ws:\/\//), token: expect.any(String) });
    await eventually(() => (h.emulator.ledger().sessions.find((s) => s.id === credentials.sessionId)?.livekitDialIns ?? 0) >= 1, 15_000);
    // The browser really preflighted the cross-origin JSON POST, and the broker answered it.
    const preflight = h.logs.lines.map((l) => JSON.parse(l)).find((l) => l.req?.method === 'OPTIONS' && l.req?.path === '/api/avatar/session');
    expect(preflight?.res?.statusCode).toBe(204);
    await tab.close();
  }, 45_000);
});
