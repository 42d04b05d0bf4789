import request from 'supertest';
import {
  ADMIN,
  JPEG_HEAD,
  PNG_1X1,
  WEBP_HEAD,
  pngDataUri,
  sentTo,
  sleep,
  startManagement,
  upstreamCalls,
  type ManagementWorld,
} from '../support/management';

let world: ManagementWorld;
beforeAll(async () => {
  world = await startManagement({ env: { AVATAR_IMAGE_MAX_BYTES: '65536' } });
});
afterAll(() => world.close());
afterEach(() => world.emulator.clearFaults());

const app = () => request(world.app);
const valid = { name: 'Ada', personality: 'You are a friendly museum guide.', voice: 'clara', referenceImage: 'https://example.com/face.jpg' };
const create = (body: object = {}) => app().post('/api/avatars').set(ADMIN).send({ ...valid, ...body });

async function readyAvatar(body: object = {}): Promise<string> {
  const { body: avatar } = await create(body).expect(201);
  for (let i = 0; i < 200; i++) {
    const { body: now } = await app().get(`/api/avatars/${avatar.id}`).set(ADMIN).expect(200);
    if (now.status === 'READY') return avatar.id;
    await sleep(10);
  }
  throw new Error('avatar never became READY');
}

describe('create', () => {
  it('creates from an https URL, with a preset voice shorthand', async () => {
    const res = await create().expect(201);
    expect(res.body).toMatchObject({ name: 'Ada', status: 'PROCESSING', voice: { type: 'runway-live-preset', presetId: 'clara', name: 'Clara' } });
    const [sent] = sentTo(world, 'POST', /^\/v1\/avatars$/).slice(-1);
    expect(sent?.body).toEqual({ ...valid, voice: { type: 'runway-live-preset', presetId: 'clara' } });
  });

  it('accepts the full voice object, startScript, imageProcessing', async () => {
    const res = await create({ voice: { type: 'runway-live-preset', presetId: 'vincent' }, startScript: 'Hello!', imageProcessing: 'none' }).expect(201);
    expect(res.body).toMatchObject({ startScript: 'Hello!', voice: { presetId: 'vincent' } });
  });

  it('creates from a data: URI, even one of several MB (above the 16 kb session limit)', async () => {
    await create({ referenceImage: pngDataUri() }).expect(201);
    const big = `data:image/png;base64,${Buffer.concat([PNG_1X1, Buffer.alloc(3_500_000)]).toString('base64')}`;
    expect(big.length).toBeGreaterThan(4_000_000);
    await create({ referenceImage: big }).expect(201);
  });

  it('refuses data: URIs whose bytes are not the declared accepted image type', async () => {
    const jpegAsPng = `data:image/png;base64,${JPEG_HEAD.toString('base64')}`;
    const gif = `data:image/gif;base64,${Buffer.from('GIF89a\x01\x00\x01\x00').toString('base64')}`;
    const text = `data:image/png;base64,${Buffer.from('hello, this is not an image').toString('base64')}`;
    const before = upstreamCalls(world.emulator, 'avatars.create');
    for (const referenceImage of [jpegAsPng, gif, text, 'http://example.com/face.jpg', 'ftp://x.example/a.png']) {
      const res = await create({ referenceImage }).expect(400);
      expect(res.body.code).toBe('INVALID_REQUEST');
      expect(res.body.issues.map((i: { path: string }) => i.path)).toContain('referenceImage');
    }
    expect(upstreamCalls(world.emulator, 'avatars.create')).toBe(before);
  });

  it('takes an uploaded file: multipart → ephemeral upload → avatar referencing the runway:// URI', async () => {
    const res = await app()
      .post('/api/avatars')
      .set(ADMIN)
      .field('name', 'Uploaded')
      .field('personality', 'Calm.')
      .field('voice', 'mia')
      .attach('image', PNG_1X1, { filename: 'my face.png', contentType: 'image/png' })
      .expect(201);
    expect(res.body.name).toBe('Uploaded');
    const { uploads } = (await (await fetch(`${world.emulator.url}/__emulator/uploads`)).json()) as {
      uploads: { runwayUri: string; filename: string; received: { size: number } | null }[];
    };
    const upload = uploads.at(-1)!;
    expect(upload.filename).toBe('reference.png');
    expect(upload.received?.size).toBe(PNG_1X1.length);
    const [sent] = sentTo(world, 'POST', /^\/v1\/avatars$/).slice(-1);
    expect((sent?.body as { referenceImage: string }).referenceImage).toBe(upload.runwayUri);
    expect(upload.runwayUri).toMatch(/^runway:\/\//);
  });

  it('reads JSON-encoded voice and documentIds from multipart fields', async () => {
    const { body: doc } = await app().post('/api/documents').set(ADMIN).send({ name: 'FAQ', content: 'Open daily.' }).expect(201);
    const res = await app()
      .post('/api/avatars')
      .set(ADMIN)
      .field('name', 'Multi')
      .field('personality', 'Calm.')
      .field('voice', JSON.stringify({ type: 'runway-live-preset', presetId: 'luna' }))
      .field('documentIds', JSON.stringify([doc.id]))
      .attach('image', WEBP_HEAD, { filename: 'face.webp', contentType: 'image/webp' })
      .expect(201);
    expect(res.body).toMatchObject({ voice: { presetId: 'luna' }, documentIds: [doc.id] });
  });

  it('checks uploads by content, size and field, before uploading anything', async () => {
    const uploadsBefore = upstreamCalls(world.emulator, 'uploads.create');
    const post = () => app().post('/api/avatars').set(ADMIN).field('name', 'X').field('personality', 'Y').field('voice', 'clara');

    const fake = await post().attach('image', Buffer.from('not really a png'), { filename: 'face.png', contentType: 'image/png' }).expect(400);
    expect(fake.body.issues).toEqual([{ path: 'image', message: expect.stringContaining('not a JPEG, PNG or WebP') }]);

    const gif = await post().attach('image', Buffer.from('GIF89a....'), { filename: 'face.gif', contentType: 'image/gif' }).expect(400);
    expect(gif.body.issues[0].path).toBe('image');

    const huge = await post().attach('image', Buffer.concat([PNG_1X1, Buffer.alloc(70_000)]), { filename: 'big.png', contentType: 'image/png' }).expect(413);
    expect(huge.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: 65536 });

    const wrongField = await post().attach('photo', PNG_1X1, { filename: 'face.png', contentType: 'image/png' }).expect(400);
    expect(wrongField.body.issues[0].path).toBe('image');

    const both = await post().field('referenceImage', valid.referenceImage).attach('image', PNG_1X1, 'face.png').expect(400);
    expect(both.body.issues[0].path).toBe('referenceImage');

    expect(upstreamCalls(world.emulator, 'uploads.create')).toBe(uploadsBefore);
  });

  it('validates against the upstream limits before calling Runway', async () => {
    const before = upstreamCalls(world.emulator, 'avatars.create');
    const cases: [object, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(51) }, 'name'],
      [{ personality: 'x'.repeat(10_001) }, 'personality'],
      [{ startScript: 'x'.repeat(2001) }, 'startScript'],
      [{ voice: 'nobody' }, 'voice'],
      [{ voice: { type: 'custom', id: 'not-a-uuid' } }, 'voice.id'],
      [{ documentIds: ['nope'] }, 'documentIds.0'],
      [{ documentIds: Array.from({ length: 51 }, () => crypto.randomUUID()) }, 'documentIds'],
      [{ imageProcessing: 'max' }, 'imageProcessing'],
      [{ referenceImage: undefined }, 'referenceImage'],
      [{ unexpected: true }, '(body)'],
    ];
    for (const [patch, path] of cases) {
      const res = await create(patch).expect(400);
      expect(res.body.code).toBe('INVALID_REQUEST');
      expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect(upstreamCalls(world.emulator, 'avatars.create')).toBe(before);
  });

  it('refuses bodies that are neither JSON nor multipart, and JSON bodies over the limit', async () => {
    await app().post('/api/avatars').set(ADMIN).set('Content-Type', 'text/plain').send('name=Ada').expect(415);
    const tooBig = `data:image/png;base64,${'A'.repeat(7 * 1024 * 1024)}`;
    const res = await create({ referenceImage: tooBig }).expect(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('list, retrieve, delete', () => {
  it('passes cursor pagination through as {data, hasMore, nextCursor}', async () => {
    await create({ name: 'Page A' }).expect(201);
    await create({ name: 'Page B' }).expect(201);
    const first = await app().get('/api/avatars?limit=1').set(ADMIN).expect(200);
    expect(first.body).toEqual({ data: [expect.objectContaining({ name: 'Page B' })], hasMore: true, nextCursor: expect.any(String) });
    const second = await app().get(`/api/avatars?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`).set(ADMIN).expect(200);
    expect(second.body.data[0].name).toBe('Page A');
    const all = await app().get('/api/avatars?limit=100').set(ADMIN).expect(200);
    expect(all.body.hasMore).toBe(false);
    expect(all.body.nextCursor).toBeNull();
    await app().get('/api/avatars?limit=101').set(ADMIN).expect(400);
    await app().get('/api/avatars?limit=0').set(ADMIN).expect(400);
  });

  it('retrieves and deletes, and answers 404 for unknown avatars without upstream text', async () => {
    const { body } = await create().expect(201);
    await app().get(`/api/avatars/${body.id}`).set(ADMIN).expect(200);
    await app().get(`/api/avatars/${body.id.toUpperCase()}`).set(ADMIN).expect(200);
    await app().delete(`/api/avatars/${body.id}`).set(ADMIN).expect(204);
    const gone = await app().get(`/api/avatars/${body.id}`).set(ADMIN).expect(404);
    expect(gone.body).toEqual({ error: `Avatar ${body.id} does not exist.`, code: 'AVATAR_NOT_FOUND', requestId: expect.any(String) });
    await app().delete(`/api/avatars/${body.id}`).set(ADMIN).expect(404);
    await app().patch(`/api/avatars/${body.id}`).set(ADMIN).send({ name: 'Z' }).expect(404);
  });

  it('rejects malformed ids with 400 before calling Runway', async () => {
    const before = upstreamCalls(world.emulator, 'avatars.retrieve');
    const res = await app().get('/api/avatars/not-a-uuid').set(ADMIN).expect(400);
    expect(res.body.issues[0].path).toBe('id');
    await app().delete('/api/avatars/123').set(ADMIN).expect(400);
    expect(upstreamCalls(world.emulator, 'avatars.retrieve')).toBe(before);
  });
});

describe('update', () => {
  it('changes fields, clears startScript with null, and refuses an empty update', async () => {
    const { body } = await create({ startScript: 'Hi' }).expect(201);
    const res = await app().patch(`/api/avatars/${body.id}`).set(ADMIN).send({ name: 'Renamed', voice: 'max', startScript: null }).expect(200);
    expect(res.body).toMatchObject({ name: 'Renamed', startScript: null, voice: { presetId: 'max' } });
    const empty = await app().patch(`/api/avatars/${body.id}`).set(ADMIN).send({}).expect(400);
    expect(empty.body.code).toBe('INVALID_REQUEST');
    await app().patch(`/api/avatars/${body.id}`).set(ADMIN).send({ name: 'x'.repeat(51) }).expect(400);
  });

  it('answers 409 AVATAR_PROCESSING with a sentence to wait for a new image while PROCESSING, without uploading', async () => {
    // Hold the avatar in PROCESSING (the fast preset finishes in 30 ms, which a busy machine outlasts).
    const { avatarProcessingMs } = world.emulator.settings();
    world.emulator.updateSettings({ avatarProcessingMs: 600_000 });
    try {
      await patchWhileProcessing();
    } finally {
      world.emulator.updateSettings({ avatarProcessingMs });
    }
  });

  async function patchWhileProcessing() {
    const { body } = await create().expect(201);
    const uploadsBefore = upstreamCalls(world.emulator, 'uploads.create');
    const viaUrl = await app().patch(`/api/avatars/${body.id}`).set(ADMIN).send({ referenceImage: 'https://example.com/new.jpg' }).expect(409);
    expect(viaUrl.body).toMatchObject({ code: 'AVATAR_PROCESSING', avatarId: body.id, status: 'PROCESSING' });
    expect(viaUrl.body.error).toMatch(/still processing.*Wait until .* READY/);
    await app().patch(`/api/avatars/${body.id}`).set(ADMIN).attach('image', PNG_1X1, 'face.png').expect(409);
    expect(upstreamCalls(world.emulator, 'uploads.create')).toBe(uploadsBefore);
    // Other fields are fine while processing.
    await app().patch(`/api/avatars/${body.id}`).set(ADMIN).send({ personality: 'Now terse.' }).expect(200);
  }

  it('maps an upstream 409 (a race with processing) to the same AVATAR_PROCESSING answer', async () => {
    const id = await readyAvatar();
    world.emulator.addFault({ operation: 'avatars.update', action: { type: 'status', status: 409, body: { error: 'Internal upstream wording' } }, times: 1 });
    const res = await app().patch(`/api/avatars/${id}`).set(ADMIN).send({ referenceImage: 'https://example.com/new.jpg' }).expect(409);
    expect(res.body.code).toBe('AVATAR_PROCESSING');
    expect(JSON.stringify(res.body)).not.toContain('Internal upstream wording');
  });

  it('replaces the reference image with an uploaded file once READY, and re-processes', async () => {
    const id = await readyAvatar();
    const res = await app().patch(`/api/avatars/${id}`).set(ADMIN).field('name', 'New face').attach('image', JPEG_HEAD, { filename: 'x.jpg', contentType: 'image/jpeg' }).expect(200);
    expect(res.body).toMatchObject({ name: 'New face', status: 'PROCESSING' });
    const [sent] = sentTo(world, 'PATCH', new RegExp(`/v1/avatars/${id}$`)).slice(-1);
    expect((sent?.body as { referenceImage: string }).referenceImage).toMatch(/^runway:\/\/uploads\/.+\/reference\.jpg$/);
  });
});

describe('usage', () => {
  it('returns usage for a date range', async () => {
    const res = await app().get('/api/avatars/usage?startDate=2026-01-01&endDate=2026-01-03T00:00:00Z').set(ADMIN).expect(200);
    expect(res.body).toEqual({
      totalSeconds: 0,
      totalSessions: 0,
      avgDurationSeconds: 0,
      byDay: [
        { date: '2026-01-01', seconds: 0, sessions: 0 },
        { date: '2026-01-02', seconds: 0, sessions: 0 },
      ],
    });
    const [sent] = sentTo(world, 'GET', /^\/v1\/avatar_usage$/).slice(-1);
    expect(sent).toBeDefined();
  });

  it('validates the range before calling Runway', async () => {
    const before = upstreamCalls(world.emulator, 'avatars.getUsage');
    await app().get('/api/avatars/usage').set(ADMIN).expect(400);
    await app().get('/api/avatars/usage?startDate=2026-01-05&endDate=2026-01-01').set(ADMIN).expect(400);
    const long = await app().get('/api/avatars/usage?startDate=2026-01-01&endDate=2026-06-01').set(ADMIN).expect(400);
    expect(long.body.issues[0]).toEqual({ path: 'endDate', message: 'The range may span at most 90 days.' });
    await app().get('/api/avatars/usage?startDate=yesterday&endDate=2026-01-01').set(ADMIN).expect(400);
    expect(upstreamCalls(world.emulator, 'avatars.getUsage')).toBe(before);
  });
});

describe('upstream failures', () => {
  it('maps 503 to UPSTREAM_UNAVAILABLE with Retry-After, 429 to UPSTREAM_RATE_LIMITED, never echoing upstream bodies', async () => {
    world.emulator.addFault({ operation: 'avatars.list', action: { type: 'status', status: 503, body: { error: 'secret upstream detail' } } });
    const down = await app().get('/api/avatars').set(ADMIN).expect(503);
    expect(down.body.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(down.headers['retry-after']).toBeDefined();
    expect(JSON.stringify(down.body)).not.toContain('secret upstream detail');
    world.emulator.clearFaults();

    world.emulator.addFault({ operation: 'avatars.create', action: { type: 'status', status: 429, retryAfter: 1, body: { error: 'slow down, secret' } } });
    const limited = await create().expect(429);
    expect(limited.body).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfter: 1 });
    expect(JSON.stringify(limited.body)).not.toContain('secret');
  });

  it('retries idempotent reads once on a transient failure, but never a create', async () => {
    const { body } = await create().expect(201);
    world.emulator.addFault({ operation: 'avatars.retrieve', action: { type: 'status', status: 502 }, times: 1 });
    await app().get(`/api/avatars/${body.id}`).set(ADMIN).expect(200);

    const before = upstreamCalls(world.emulator, 'avatars.create');
    world.emulator.addFault({ operation: 'avatars.create', action: { type: 'status', status: 502 }, times: 1 });
    await create().expect(503);
    expect(upstreamCalls(world.emulator, 'avatars.create')).toBe(before + 1);
  });
});
