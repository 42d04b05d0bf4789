import request from 'supertest';
import { PRESET_AVATAR_IDS } from '../../src/runway/presets';
import { ADMIN, startManagement, type ManagementWorld } from '../support/management';

let world: ManagementWorld;
beforeAll(async () => {
  world = await startManagement();
});
afterAll(() => world.close());

it('lists the 9 preset avatars and 30 preset voices with display names, without calling Runway', async () => {
  const res = await request(world.app).get('/api/presets').set(ADMIN).expect(200);
  expect(res.body.avatars).toHaveLength(9);
  expect(res.body.avatars.map((a: { id: string }) => a.id)).toEqual([...PRESET_AVATAR_IDS]);
  expect(res.body.avatars).toContainEqual({ id: 'music-superstar', name: 'Mina' });
  expect(res.body.avatars).toContainEqual({ id: 'influencer', name: null });
  expect(res.body.voices).toHaveLength(30);
  expect(res.body.voices).toContainEqual({ id: 'clara', name: 'Clara' });
  expect(new Set(res.body.voices.map((v: { id: string }) => v.id)).size).toBe(30);
  expect(Object.keys(world.emulator.ledger().requests)).toHaveLength(0);
});

it('every preset voice is accepted by avatar create (the runtime list matches what Runway takes)', async () => {
  const { body } = await request(world.app).get('/api/presets').set(ADMIN).expect(200);
  for (const voice of body.voices.slice(0, 30)) {
    await request(world.app)
      .post('/api/avatars')
      .set(ADMIN)
      .send({ name: voice.name, personality: 'P', voice: voice.id, referenceImage: 'https://example.com/f.jpg' })
      .expect(201);
  }
});
