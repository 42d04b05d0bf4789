import request from 'supertest';
import { tokenCount } from '../../src/documents/tokens';
import { ADMIN, sentTo, startManagement, upstreamCalls, type ManagementWorld } from '../support/management';

// A small budget keeps documents short; one test below uses the real default of 50,000.
const BUDGET = 1000;

let world: ManagementWorld;
beforeAll(async () => {
  world = await startManagement({ env: { KNOWLEDGE_TOKEN_BUDGET: String(BUDGET) } });
});
afterAll(() => world.close());
afterEach(() => world.emulator.clearFaults());

const app = () => request(world.app);
const avatar = async (documentIds?: string[]) =>
  (
    await app()
      .post('/api/avatars')
      .set(ADMIN)
      .send({ name: 'Guide', personality: 'Helpful.', voice: 'clara', referenceImage: 'https://example.com/face.jpg', ...(documentIds ? { documentIds } : {}) })
      .expect(201)
  ).body.id as string;

const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog'];
/** About `tokens` tokens of prose, one per common word (the exact count is what the broker reports). */
const prose = (tokens: number) => Array.from({ length: tokens }, (_, i) => WORDS[i % WORDS.length]).join(' ');

async function doc(tokens: number, name = 'Doc'): Promise<{ id: string; tokenCount: number }> {
  const content = prose(tokens);
  const { body } = await app().post('/api/documents').set(ADMIN).send({ name, content }).expect(201);
  expect(body.tokenCount).toBe(tokenCount(content));
  return body;
}

const attach = (avatarId: string, documentIds: string[]) => app().post(`/api/avatars/${avatarId}/documents`).set(ADMIN).send({ documentIds });

describe('attach and detach', () => {
  it('attaches without re-sending the list, reports token counts and the remaining budget, and detaches', async () => {
    const id = await avatar();
    const a = await doc(100, 'A');
    const b = await doc(200, 'B');

    const first = await attach(id, [a.id]).expect(200);
    expect(first.body).toEqual({
      avatarId: id,
      documentIds: [a.id],
      documents: [{ id: a.id, name: 'A', tokenCount: a.tokenCount }],
      budget: {
        tokenizer: 'o200k_base',
        estimate: true,
        tokenLimit: BUDGET,
        tokensUsed: a.tokenCount,
        tokensRemaining: BUDGET - a.tokenCount,
        documentLimit: 50,
        documentsUsed: 1,
        documentsRemaining: 49,
      },
    });

    const second = await attach(id, [b.id, a.id]).expect(200);
    expect(second.body.documentIds).toEqual([a.id, b.id]);
    expect(second.body.budget.tokensRemaining).toBe(BUDGET - a.tokenCount - b.tokenCount);
    const [lastPatch] = sentTo(world, 'PATCH', new RegExp(`/v1/avatars/${id}$`)).slice(-1);
    expect(lastPatch?.body).toEqual({ documentIds: [a.id, b.id] });

    const view = await app().get(`/api/avatars/${id}/documents`).set(ADMIN).expect(200);
    expect(view.body).toEqual(second.body);

    // Attaching what is already there changes nothing and writes nothing.
    const patches = sentTo(world, 'PATCH', /\/v1\/avatars\//).length;
    await attach(id, [a.id]).expect(200);
    expect(sentTo(world, 'PATCH', /\/v1\/avatars\//).length).toBe(patches);

    const detached = await app().delete(`/api/avatars/${id}/documents/${a.id}`).set(ADMIN).expect(200);
    expect(detached.body.documentIds).toEqual([b.id]);
    const again = await app().delete(`/api/avatars/${id}/documents/${a.id}`).set(ADMIN).expect(404);
    expect(again.body).toMatchObject({ code: 'DOCUMENT_NOT_FOUND', avatarId: id, documentId: a.id });
    // The document itself still exists.
    await app().get(`/api/documents/${a.id}`).set(ADMIN).expect(200);
  });

  it('loses nothing when two attaches to one avatar race (upstream PATCH slowed down)', async () => {
    const id = await avatar();
    const docs = await Promise.all([doc(10, 'r1'), doc(10, 'r2'), doc(10, 'r3'), doc(10, 'r4')]);
    world.emulator.addFault({ operation: 'avatars.update', action: { type: 'delay', ms: 60 } });
    const results = await Promise.all(docs.map((d) => attach(id, [d.id])));
    for (const res of results) expect(res.status).toBe(200);
    const { body } = await app().get(`/api/avatars/${id}`).set(ADMIN).expect(200);
    expect([...body.documentIds].sort()).toEqual(docs.map((d) => d.id).sort());
  });

  it('loses nothing when an attach and a detach race', async () => {
    const x = await doc(10, 'x');
    const y = await doc(10, 'y');
    const id = await avatar([x.id]);
    world.emulator.addFault({ operation: 'avatars.update', action: { type: 'delay', ms: 60 } });
    const [attached, detached] = await Promise.all([attach(id, [y.id]), app().delete(`/api/avatars/${id}/documents/${x.id}`).set(ADMIN)]);
    expect([attached.status, detached.status]).toEqual([200, 200]);
    const { body } = await app().get(`/api/avatars/${id}`).set(ADMIN).expect(200);
    expect(body.documentIds).toEqual([y.id]);
  });

  it('verifies by reading back: a write that did not stick is re-applied, and gives up with 409 if it never sticks', async () => {
    const id = await avatar();
    const d = await doc(10);
    // Runway answers 200 without applying the change once (as if another writer overwrote it).
    const unchanged = (documentIds: string[]) => ({ id, name: 'unchanged', status: 'READY', documentIds });
    world.emulator.addFault({ operation: 'avatars.update', action: { type: 'status', status: 200, body: unchanged([]) }, times: 1 });
    const before = upstreamCalls(world.emulator, 'avatars.update');
    const ok = await attach(id, [d.id]).expect(200);
    expect(ok.body.documentIds).toEqual([d.id]);
    expect(upstreamCalls(world.emulator, 'avatars.update')).toBe(before + 2);

    const other = await doc(10);
    world.emulator.addFault({ operation: 'avatars.update', action: { type: 'status', status: 200, body: unchanged([d.id]) } });
    const conflict = await attach(id, [other.id]).expect(409);
    expect(conflict.body).toMatchObject({ code: 'CONFLICT', avatarId: id });
  });

  it('validates ids and lists before calling Runway, and reports unknown avatars and documents', async () => {
    const id = await avatar();
    const before = upstreamCalls(world.emulator, 'avatars.retrieve');
    await attach('not-a-uuid', [crypto.randomUUID()]).expect(400);
    await attach(id, []).expect(400);
    await attach(id, ['nope']).expect(400);
    await attach(id, Array.from({ length: 51 }, () => crypto.randomUUID())).expect(400);
    await app().post(`/api/avatars/${id}/documents`).set(ADMIN).send({}).expect(400);
    await app().delete(`/api/avatars/${id}/documents/nope`).set(ADMIN).expect(400);
    expect(upstreamCalls(world.emulator, 'avatars.retrieve')).toBe(before);

    const missingDoc = crypto.randomUUID();
    const res = await attach(id, [missingDoc]).expect(404);
    expect(res.body).toMatchObject({ code: 'DOCUMENT_NOT_FOUND', documentId: missingDoc });
    const missingAvatar = await attach(crypto.randomUUID(), [missingDoc]).expect(404);
    expect(missingAvatar.body.code).toBe('AVATAR_NOT_FOUND');
    await app().get(`/api/avatars/${crypto.randomUUID()}/documents`).set(ADMIN).expect(404);
  });
});

describe('knowledge budget', () => {
  it('refuses an attach over the token budget with 422 and the numbers, before writing', async () => {
    const id = await avatar();
    const a = await doc(600, 'big A');
    const b = await doc(600, 'big B');
    await attach(id, [a.id]).expect(200);
    const patches = upstreamCalls(world.emulator, 'avatars.update');
    const res = await attach(id, [b.id]).expect(422);
    const total = a.tokenCount + b.tokenCount;
    expect(res.body).toMatchObject({
      code: 'KNOWLEDGE_BUDGET_EXCEEDED',
      avatarId: id,
      tokenizer: 'o200k_base',
      tokenLimit: BUDGET,
      tokensRequested: total,
      tokensOver: total - BUDGET,
      documentLimit: 50,
      documentsRequested: 2,
      documents: [
        { id: a.id, name: 'big A', tokenCount: a.tokenCount },
        { id: b.id, name: 'big B', tokenCount: b.tokenCount },
      ],
    });
    expect(res.body.error).toMatch(/over the avatar's budget/);
    expect(upstreamCalls(world.emulator, 'avatars.update')).toBe(patches);
    const { body } = await app().get(`/api/avatars/${id}`).set(ADMIN).expect(200);
    expect(body.documentIds).toEqual([a.id]);
  });

  it('applies the budget to avatar create and to a documentIds update', async () => {
    const a = await doc(600);
    const b = await doc(600);
    const creates = upstreamCalls(world.emulator, 'avatars.create');
    const res = await app()
      .post('/api/avatars')
      .set(ADMIN)
      .send({ name: 'G', personality: 'P', voice: 'clara', referenceImage: 'https://example.com/f.jpg', documentIds: [a.id, b.id] })
      .expect(422);
    expect(res.body.code).toBe('KNOWLEDGE_BUDGET_EXCEEDED');
    expect(upstreamCalls(world.emulator, 'avatars.create')).toBe(creates);

    const id = await avatar([a.id]);
    await app().patch(`/api/avatars/${id}`).set(ADMIN).send({ documentIds: [a.id, b.id] }).expect(422);
    await app().patch(`/api/avatars/${id}`).set(ADMIN).send({ documentIds: [b.id] }).expect(200);
  });

  it('refuses new document content that would push an avatar using it over budget', async () => {
    const a = await doc(300);
    const b = await doc(300);
    await avatar([a.id, b.id]);
    const bigger = prose(900);
    const updates = upstreamCalls(world.emulator, 'documents.update');
    const res = await app().patch(`/api/documents/${a.id}`).set(ADMIN).send({ content: bigger }).expect(422);
    expect(res.body).toMatchObject({ code: 'KNOWLEDGE_BUDGET_EXCEEDED', tokensRequested: tokenCount(bigger) + b.tokenCount });
    expect(upstreamCalls(world.emulator, 'documents.update')).toBe(updates);
    // A document nobody uses may grow freely; a rename never counts.
    const free = await doc(10);
    await app().patch(`/api/documents/${free.id}`).set(ADMIN).send({ content: bigger }).expect(200);
    await app().patch(`/api/documents/${a.id}`).set(ADMIN).send({ name: 'renamed' }).expect(200);
  });

  it('allows at most 50 documents per avatar', async () => {
    const id = await avatar();
    const docs = await Promise.all(Array.from({ length: 51 }, (_, i) => doc(1, `tiny ${i}`)));
    const ok = await attach(
      id,
      docs.slice(0, 50).map((d) => d.id),
    ).expect(200);
    expect(ok.body.budget).toMatchObject({ documentsUsed: 50, documentsRemaining: 0 });
    const res = await attach(id, [docs[50]!.id]).expect(422);
    expect(res.body).toMatchObject({ code: 'KNOWLEDGE_BUDGET_EXCEEDED', documentLimit: 50, documentsRequested: 51 });
  });
});

describe('default budget of 50,000 tokens', () => {
  let big: ManagementWorld;
  beforeAll(async () => {
    big = await startManagement();
  });
  afterAll(() => big.close());

  it('fits one 200,000-character document of prose, not two', async () => {
    const bapp = () => request(big.app);
    const content = 'The museum opens at nine and closes at five, except on public holidays. '.repeat(2770).slice(0, 200_000);
    const one = (await bapp().post('/api/documents').set(ADMIN).send({ name: 'one', content }).expect(201)).body;
    const two = (await bapp().post('/api/documents').set(ADMIN).send({ name: 'two', content }).expect(201)).body;
    expect(one.tokenCount).toBeGreaterThan(25_000);
    expect(one.tokenCount).toBeLessThan(50_000);
    const { body: created } = await bapp()
      .post('/api/avatars')
      .set(ADMIN)
      .send({ name: 'G', personality: 'P', voice: 'clara', referenceImage: 'https://example.com/f.jpg' })
      .expect(201);
    const ok = await bapp().post(`/api/avatars/${created.id}/documents`).set(ADMIN).send({ documentIds: [one.id] }).expect(200);
    expect(ok.body.budget).toMatchObject({ tokenLimit: 50_000, tokensRemaining: 50_000 - one.tokenCount });
    const over = await bapp().post(`/api/avatars/${created.id}/documents`).set(ADMIN).send({ documentIds: [two.id] }).expect(422);
    expect(over.body).toMatchObject({ tokenLimit: 50_000, tokensRequested: one.tokenCount + two.tokenCount });
  });
});
