import request from 'supertest';
import { ADMIN_KEY, startManagement, type ManagementWorld } from '../support/management';

let world: ManagementWorld;
beforeAll(async () => {
  world = await startManagement();
});
afterAll(() => world.close());

const id = '3f1c6a4e-8b2d-4c1e-9f7a-2b5d8e0c1a93';
const ROUTES: [method: 'get' | 'post' | 'patch' | 'delete', path: string][] = [
  ['post', '/api/avatars'],
  ['get', '/api/avatars'],
  ['get', '/api/avatars/usage?startDate=2026-01-01&endDate=2026-01-02'],
  ['get', `/api/avatars/${id}`],
  ['patch', `/api/avatars/${id}`],
  ['delete', `/api/avatars/${id}`],
  ['get', `/api/avatars/${id}/documents`],
  ['post', `/api/avatars/${id}/documents`],
  ['delete', `/api/avatars/${id}/documents/${id}`],
  ['get', '/api/presets'],
  ['post', '/api/documents'],
  ['get', '/api/documents'],
  ['get', `/api/documents/${id}`],
  ['patch', `/api/documents/${id}`],
  ['delete', `/api/documents/${id}`],
  ['get', '/api/conversations'],
  ['get', `/api/conversations/${id}`],
  ['get', `/api/conversations/${id}/transcript`],
  ['delete', `/api/conversations/${id}`],
];

describe.each(ROUTES)('%s %s', (method, path) => {
  it('needs an admin key: none → 401, wrong → 401, and Runway is never called', async () => {
    const none = await request(world.app)[method](path).send({});
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('UNAUTHORIZED');
    const wrong = await request(world.app)[method](path).set('Authorization', 'Bearer not-the-key').send({});
    expect(wrong.status).toBe(401);
    const wrongHeader = await request(world.app)[method](path).set('X-API-Key', `${ADMIN_KEY}x`).send({});
    expect(wrongHeader.status).toBe(401);
    expect(Object.keys(world.emulator.ledger().requests)).toHaveLength(0);
  });
});

it('accepts the admin key as Bearer or X-API-Key', async () => {
  await request(world.app).get('/api/presets').set('Authorization', `Bearer ${ADMIN_KEY}`).expect(200);
  await request(world.app).get('/api/presets').set('X-API-Key', ADMIN_KEY).expect(200);
});
