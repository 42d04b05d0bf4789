import { ClientsError, loadApiKeyClients } from '../../src/access/clients';
import { loadConfig } from '../../src/config';

// Budgets and webhook endpoints live in the clients file next to each client's other limits.

const load = (entries: unknown[]) => loadApiKeyClients(loadConfig({ CLIENTS_JSON: JSON.stringify(entries) }));
const SECRET = `whsec_${Buffer.from('a test secret of thirty-two bytes!').toString('base64')}`;

it('reads a client\'s budget and webhook', () => {
  const [acme] = load([{ name: 'acme', key: 'acme-key-0123456789abcdef', budget: { minutesPerDay: 90, minutesPerMonth: 1000, sessionsPerDay: 20 }, webhook: { url: 'https://hooks.acme.example/broker', secret: SECRET } }]);
  expect(acme!.policy.budget).toEqual({ minutesPerDay: 90, minutesPerMonth: 1000, sessionsPerDay: 20 });
  expect(acme!.webhook).toEqual({ url: 'https://hooks.acme.example/broker', secret: SECRET });
  expect(load([{ name: 'plain', key: 'plain-key-0123456789abcdef' }])[0]!.policy.budget).toBeUndefined();
});

it('refuses malformed budgets and webhooks with the field path', () => {
  expect(() => load([{ name: 'a', key: 'a-key-0123456789abcdef', budget: { minutesPerDay: -1 } }])).toThrow(ClientsError);
  expect(() => load([{ name: 'a', key: 'a-key-0123456789abcdef', budget: { minutesPerWeek: 5 } }])).toThrow(/budget/);
  expect(() => load([{ name: 'a', key: 'a-key-0123456789abcdef', webhook: { url: 'https://x.example', secret: 'plain' } }])).toThrow(/webhook.secret/);
  expect(() => load([{ name: 'a', key: 'a-key-0123456789abcdef', webhook: { url: 'not a url', secret: SECRET } }])).toThrow(/webhook.url/);
});
