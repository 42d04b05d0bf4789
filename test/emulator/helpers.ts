import RunwayML from '@runwayml/sdk';
import { startEmulator, type EmulatorHandle, type EmulatorSettings } from '../../src/emulator';

export const API_KEY = 'key_test';

/** Fast defaults so the suite runs in seconds: sessions ready in 20 ms, a 300 s call lasts 300 ms. */
export const FAST: Partial<EmulatorSettings> = {
  apiKey: API_KEY,
  readiness: { kind: 'fixed', ms: 20 },
  avatarProcessingMs: 20,
  voiceProcessingMs: 20,
  durationScale: 0.001,
};

export async function start(settings: Partial<EmulatorSettings> = {}): Promise<EmulatorHandle> {
  return startEmulator({ settings: { ...FAST, ...settings } });
}

export function sdk(em: EmulatorHandle, options: { maxRetries?: number; timeout?: number } = {}): RunwayML {
  return new RunwayML({ apiKey: API_KEY, baseURL: em.url, maxRetries: options.maxRetries ?? 0, ...(options.timeout ? { timeout: options.timeout } : {}) });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 2000, everyMs = 5): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error('waitFor: timed out');
    await sleep(everyMs);
  }
}

/** Raw request with API-key auth and the version header unless told otherwise. */
export async function call(
  em: EmulatorHandle,
  method: string,
  path: string,
  opts: { body?: unknown; rawBody?: string; headers?: Record<string, string>; auth?: string | null; version?: string | null } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  const auth = opts.auth === undefined ? API_KEY : opts.auth;
  if (auth !== null) headers.authorization = `Bearer ${auth}`;
  const version = opts.version === undefined ? '2024-11-06' : opts.version;
  if (version !== null) headers['x-runway-version'] = version;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${em.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export const PRESET = { type: 'runway-preset', presetId: 'influencer' } as const;

export async function createSession(client: RunwayML, extra: Record<string, unknown> = {}): Promise<string> {
  const { id } = await client.realtimeSessions.create({ model: 'gwm1_avatars', avatar: PRESET, ...extra } as never);
  return id;
}

/** Polls until READY and returns the sessionKey. */
export async function waitReady(client: RunwayML, id: string): Promise<string> {
  const s = await waitFor(async () => {
    const r = await client.realtimeSessions.retrieve(id);
    return r.status === 'READY' ? r : null;
  });
  return s.sessionKey;
}

export async function consume(em: EmulatorHandle, id: string, key: string, withVersion = false) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  if (withVersion) headers['x-runway-version'] = '2024-11-06';
  const res = await fetch(`${em.url}/v1/realtime_sessions/${id}/consume`, { method: 'POST', headers });
  return { status: res.status, body: (await res.json()) as any };
}

export async function readyAvatar(client: RunwayML, extra: Record<string, unknown> = {}) {
  const created = await client.avatars.create({
    name: 'Ada',
    personality: 'A friendly guide.',
    referenceImage: 'https://example.com/ada.png',
    voice: { type: 'runway-live-preset', presetId: 'clara' },
    ...extra,
  } as never);
  await waitFor(async () => (await client.avatars.retrieve(created.id)).status === 'READY');
  return created;
}
