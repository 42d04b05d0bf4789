// LiveKit dial-in probe: a ws client dials in with the consumed token.
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import type { EmulatorHandle } from '../../src/emulator';
import { consume, createSession, sdk, start, waitReady } from './helpers';

let em: EmulatorHandle;
beforeEach(async () => {
  em = await start();
});
afterEach(() => em.close());

async function consumed() {
  const client = sdk(em);
  const id = await createSession(client);
  const res = await consume(em, id, await waitReady(client, id));
  expect(res.status).toBe(200);
  return { id, ...(res.body as { url: string; token: string; roomName: string }) };
}

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

function dial(url: string): Promise<{ opened: boolean; code?: number; reason?: string; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let opened = false;
    ws.on('open', () => (opened = true));
    ws.on('close', (code, reason) => resolve({ opened, code, reason: reason.toString() }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened, status: res.statusCode });
      ws.terminate();
    });
    ws.on('error', () => undefined);
  });
}

test('the token is an HS256 LiveKit JWT with a roomJoin grant for the returned room', async () => {
  const { token, roomName, url } = await consumed();
  const [head] = token.split('.');
  expect(JSON.parse(Buffer.from(head!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  const c = claims(token);
  expect(c.video).toMatchObject({ roomJoin: true, room: roomName });
  expect(c.sub).toEqual(expect.any(String));
  expect(c.exp).toBeGreaterThan(Date.now() / 1000);
  expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/livekit$/);
});

test('a ws client dialing ${url}/rtc?access_token= is accepted, recorded, and closed politely', async () => {
  const { id, url, token } = await consumed();
  const result = await dial(`${url}/rtc?access_token=${encodeURIComponent(token)}`);
  expect(result).toEqual({ opened: true, code: 1000, reason: 'emulator: no media' });
  const ledger = em.ledger();
  expect(ledger.sessions.find((s) => s.id === id)!.livekitDialIns).toBe(1);
  expect(ledger.totals.livekitDialIns).toBe(1);
});

test('bad or forged tokens are refused with 401 and counted', async () => {
  const { url, token } = await consumed();
  expect(await dial(`${url}/rtc?access_token=garbage`)).toMatchObject({ opened: false, status: 401 });
  const [h, p] = token.split('.');
  const forged = `${h}.${p}.${createHmac('sha256', 'wrong').update(`${h}.${p}`).digest('base64url')}`;
  expect(await dial(`${url}/rtc?access_token=${forged}`)).toMatchObject({ opened: false, status: 401 });
  expect(await dial(`${url}/rtc`)).toMatchObject({ opened: false, status: 401 });
  expect(await dial(`${url}/elsewhere?access_token=${token}`)).toMatchObject({ opened: false, status: 404 });
  expect(em.ledger().totals).toMatchObject({ livekitDialIns: 0, livekitRejected: 3 });
});

test('GET /livekit/rtc/validate answers 200 for a good token and 401 otherwise', async () => {
  const { url, token } = await consumed();
  const httpBase = url.replace(/^ws/, 'http');
  const ok = await fetch(`${httpBase}/rtc/validate?access_token=${token}`);
  expect(ok.status).toBe(200);
  expect(await ok.text()).toBe('success');
  expect((await fetch(`${httpBase}/rtc/validate?access_token=x.y.z`)).status).toBe(401);
  expect(em.ledger().totals.livekitValidations).toBe(2);
});

test('close() terminates open sockets and resolves', async () => {
  const { url, token } = await consumed();
  await dial(`${url}/rtc?access_token=${token}`);
  await expect(em.close()).resolves.toBeUndefined();
  await expect(em.close()).resolves.toBeUndefined(); // idempotent
});
