import { loadApiKeyClients } from '../../src/access/clients';
import { ConfigError, loadConfig } from '../../src/config';
import { BlockedAddressError, isPrivateAddress, urlProblem } from '../../src/webhooks/address';
import { webhookEndpoints } from '../../src/webhooks/endpoints';
import { post } from '../../src/webhooks/send';
import { signedHeaders } from '../../src/webhooks/sign';
import { SECRET, startReceiver, type Receiver } from './receiver';

// A webhook must not become a request-forgery tool: internal addresses are refused at boot and again
// at delivery, against the addresses DNS actually answers (DNS rebinding).

const boot = (env: Record<string, string>) => {
  const config = loadConfig({ RUNWAY_MODE: 'emulator', ...env });
  return webhookEndpoints(config, loadApiKeyClients(config));
};
const problemsOf = (env: Record<string, string>) => {
  try {
    boot(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

it('classifies loopback, private, link-local, metadata and mapped addresses as internal', () => {
  for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1']) {
    expect([ip, isPrivateAddress(ip)]).toEqual([ip, true]);
  }
  for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) expect([ip, isPrivateAddress(ip)]).toEqual([ip, false]);
});

it('refuses internal webhook URLs at boot unless explicitly allowed, and plain http in production', () => {
  for (const url of ['http://127.0.0.1:9000/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5/x', 'http://localhost/x', 'http://db.internal/x', 'http://[::ffff:7f00:1]/x']) {
    expect(problemsOf({ WEBHOOK_URL: url, WEBHOOK_SECRET: SECRET })).toEqual([expect.stringContaining('WEBHOOK_URL')]);
  }
  expect(problemsOf({ WEBHOOK_URL: 'http://127.0.0.1:9000/hook', WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true' })).toEqual([]);
  expect(urlProblem('http://hooks.example.com/x', { production: true, allowPrivate: false })).toBe('must be https in production');
  expect(urlProblem('https://user:pw@hooks.example.com/x', { production: false, allowPrivate: false })).toMatch(/credentials/);
  expect(urlProblem('https://hooks.example.com/x', { production: true, allowPrivate: false })).toBeUndefined();
  const clients = JSON.stringify([{ name: 'acme', key: 'acme-key-0123456789abcdef', webhook: { url: 'http://169.254.169.254/', secret: SECRET } }]);
  expect(problemsOf({ CLIENTS_JSON: clients })).toEqual([expect.stringContaining('client "acme" webhook.url')]);
  expect(() => loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/x' })).toThrow(/WEBHOOK_SECRET/);
});

describe('at delivery', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  const send = (url: string, allowPrivate: boolean, answers: Record<string, string>) => {
    const body = JSON.stringify({ type: 'session.delivered', timestamp: new Date().toISOString(), data: {} });
    return post(url, signedHeaders(SECRET, `msg_${Math.random()}`, body), body, {
      timeoutMs: 2000,
      allowPrivate,
      // A name that passed the boot check but now resolves inside (DNS rebinding).
      resolve: (hostname, callback) => callback(null, [{ address: answers[hostname] ?? '203.0.113.9', family: answers[hostname]?.includes(':') ? 6 : 4 }]),
    });
  };

  it('refuses a public name that resolves to an internal address, before connecting', async () => {
    expect(urlProblem(`http://rebind.example:${receiver.port}/hooks`, { production: false, allowPrivate: false })).toBeUndefined();
    await expect(send(`http://rebind.example:${receiver.port}/hooks`, false, { 'rebind.example': '127.0.0.1' })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(send(`http://rebind.example:${receiver.port}/hooks`, false, { 'rebind.example': '::ffff:127.0.0.1' })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(send(`http://127.0.0.1:${receiver.port}/hooks`, false, {})).rejects.toBeInstanceOf(BlockedAddressError);
    expect(receiver.received).toEqual([]);
    expect(receiver.forged + receiver.refused).toBe(0); // nothing ever reached it
    // The same path with internal addresses allowed does connect: the refusal above was the guard.
    expect((await send(`http://rebind.example:${receiver.port}/hooks`, true, { 'rebind.example': '127.0.0.1' })).status).toBe(204);
    expect(receiver.received).toHaveLength(1);
  });
});
