import request from 'supertest';
import { tokenCount } from '../../src/documents/tokens';
import { ADMIN, sentTo, startManagement, upstreamCalls, type ManagementWorld } from '../support/management';

let world: ManagementWorld;
beforeAll(async () => {
  world = await startManagement();
});
afterAll(() => world.close());
afterEach(() => world.emulator.clearFaults());

const app = () => request(world.app);
const createDoc = (name: string, content: string) => app().post('/api/documents').set(ADMIN).send({ name, content });

describe('create', () => {
  it('creates from JSON and reports an estimated tokenCount', async () => {
    const content = '# Opening hours\n\nMonday to Friday, 9:00 to 17:00.';
    const res = await createDoc('Hours', content).expect(201);
    expect(res.body).toMatchObject({ name: 'Hours', content, type: 'text', usedBy: [], tokenCount: tokenCount(content) });
    expect(res.body.tokenCount).toBeGreaterThan(5);
  });

  it('creates from an uploaded .md or .txt file, named after the file unless a name is given', async () => {
    const md = await app().post('/api/documents').set(ADMIN).attach('file', Buffer.from('\uFEFF# FAQ\n\nQ: Parking?\nA: Yes.'), 'faq.md').expect(201);
    expect(md.body).toMatchObject({ name: 'faq', content: '# FAQ\n\nQ: Parking?\nA: Yes.' });
    const txt = await app().post('/api/documents').set(ADMIN).field('name', 'Prices').attach('file', Buffer.from('Tickets: 12 EUR'), 'p.txt').expect(201);
    expect(txt.body).toMatchObject({ name: 'Prices', content: 'Tickets: 12 EUR' });
  });

  it('refuses other files, binary or non-UTF-8 content, and content given twice', async () => {
    const before = upstreamCalls(world.emulator, 'documents.create');
    const pdf = await app().post('/api/documents').set(ADMIN).attach('file', Buffer.from('%PDF-1.7'), 'doc.pdf').expect(400);
    expect(pdf.body.issues[0]).toEqual({ path: 'file', message: 'Only .txt and .md files are accepted.' });
    const latin1 = await app().post('/api/documents').set(ADMIN).attach('file', Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'x.txt').expect(400);
    expect(latin1.body.issues[0].message).toMatch(/UTF-8/);
    await app().post('/api/documents').set(ADMIN).attach('file', Buffer.from('a\u0000b'), 'x.txt').expect(400);
    await app().post('/api/documents').set(ADMIN).field('content', 'x').attach('file', Buffer.from('y'), 'x.txt').expect(400);
    await app().post('/api/documents').set(ADMIN).attach('file', Buffer.from(''), 'empty.txt').expect(400);
    expect(upstreamCalls(world.emulator, 'documents.create')).toBe(before);
  });

  it('validates name and content limits before calling Runway', async () => {
    const before = upstreamCalls(world.emulator, 'documents.create');
    for (const [body, path] of [
      [{ name: '', content: 'x' }, 'name'],
      [{ name: 'x'.repeat(256), content: 'x' }, 'name'],
      [{ name: 'ok', content: '' }, 'content'],
      [{ name: 'ok', content: 'x'.repeat(200_001) }, 'content'],
      [{ name: 'ok' }, 'content'],
      [{ name: 'ok', content: 'x', avatarId: 'y' }, '(body)'],
    ] as const) {
      const res = await app().post('/api/documents').set(ADMIN).send(body).expect(400);
      expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const tooLong = await app().post('/api/documents').set(ADMIN).attach('file', Buffer.from('x'.repeat(200_001)), 'long.txt').expect(400);
    expect(tooLong.body.issues[0].path).toBe('content');
    expect(upstreamCalls(world.emulator, 'documents.create')).toBe(before);
    // The maximum itself is fine.
    await createDoc('max', 'x'.repeat(200_000)).expect(201);
  });
});

describe('list, retrieve, update, delete', () => {
  it('lists with sort, order and cursor pagination, without content', async () => {
    const a = (await createDoc('List A', 'a').expect(201)).body;
    const b = (await createDoc('List B', 'b').expect(201)).body;
    await app().patch(`/api/documents/${a.id}`).set(ADMIN).send({ name: 'List A2' }).expect(200);

    const newest = await app().get('/api/documents?limit=1').set(ADMIN).expect(200);
    expect(newest.body).toEqual({ data: [expect.objectContaining({ id: b.id })], hasMore: true, nextCursor: expect.any(String) });
    expect(newest.body.data[0].content).toBeUndefined();

    const byUpdate = await app().get('/api/documents?sort=updatedAt&order=desc&limit=1').set(ADMIN).expect(200);
    expect(byUpdate.body.data[0].id).toBe(a.id);

    const oldestFirst = await app().get('/api/documents?order=asc&limit=100').set(ADMIN).expect(200);
    const ids = oldestFirst.body.data.map((d: { id: string }) => d.id);
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    expect(oldestFirst.body).toMatchObject({ hasMore: false, nextCursor: null });

    const next = await app().get(`/api/documents?limit=1&cursor=${encodeURIComponent(newest.body.nextCursor)}`).set(ADMIN).expect(200);
    expect(next.body.data[0].id).not.toBe(b.id);

    await app().get('/api/documents?sort=name').set(ADMIN).expect(400);
    await app().get('/api/documents?order=up').set(ADMIN).expect(400);
  });

  it('retrieves with tokenCount, updates from JSON or a file, and deletes', async () => {
    const doc = (await createDoc('Menu', 'Soup').expect(201)).body;
    const got = await app().get(`/api/documents/${doc.id}`).set(ADMIN).expect(200);
    expect(got.body).toMatchObject({ id: doc.id, content: 'Soup', tokenCount: tokenCount('Soup') });

    const renamed = await app().patch(`/api/documents/${doc.id}`).set(ADMIN).send({ name: 'Lunch menu', content: 'Soup and bread' }).expect(200);
    expect(renamed.body).toMatchObject({ name: 'Lunch menu', content: 'Soup and bread', tokenCount: tokenCount('Soup and bread') });

    const fromFile = await app().patch(`/api/documents/${doc.id}`).set(ADMIN).attach('file', Buffer.from('# Menu\n\nPasta'), 'menu.md').expect(200);
    expect(fromFile.body).toMatchObject({ name: 'Lunch menu', content: '# Menu\n\nPasta' });

    await app().patch(`/api/documents/${doc.id}`).set(ADMIN).send({}).expect(400);
    await app().delete(`/api/documents/${doc.id}`).set(ADMIN).expect(204);
    const gone = await app().get(`/api/documents/${doc.id}`).set(ADMIN).expect(404);
    expect(gone.body).toMatchObject({ code: 'DOCUMENT_NOT_FOUND', documentId: doc.id });
    await app().patch(`/api/documents/${doc.id}`).set(ADMIN).send({ name: 'x' }).expect(404);
    await app().delete(`/api/documents/${doc.id}`).set(ADMIN).expect(404);
    await app().get('/api/documents/nope').set(ADMIN).expect(400);
  });

  it('sends the update upstream as Runway expects (204, then re-read)', async () => {
    const doc = (await createDoc('Upd', 'v1').expect(201)).body;
    await app().patch(`/api/documents/${doc.id}`).set(ADMIN).send({ content: 'v2' }).expect(200);
    const [sent] = sentTo(world, 'PATCH', new RegExp(`/v1/documents/${doc.id}$`));
    expect(sent?.body).toEqual({ content: 'v2' });
  });

  it('refuses bodies that are neither JSON nor multipart', async () => {
    await app().post('/api/documents').set(ADMIN).set('Content-Type', 'text/markdown').send('# hi').expect(415);
  });
});
