import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import RunwayML from '@runwayml/sdk';
import { freePort } from '../support/ports';

// `npm run emulator` as users run it: dist/emulator/main.js configured by environment variables.

const MAIN = join(__dirname, '..', '..', 'dist', 'emulator', 'main.js');

it('serves the SDK on EMULATOR_PORT with env knobs and exits 0 on SIGTERM', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, EMULATOR_PORT: String(port), EMULATOR_HOST: '127.0.0.1', EMULATOR_READINESS_MS: '20', EMULATOR_API_KEY: 'key_standalone_test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  try {
    const sdk = new RunwayML({ apiKey: 'key_standalone_test', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i += 1) {
      id = await sdk.realtimeSessions
        .create({ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'music-superstar' } })
        .then((r) => r.id, () => undefined);
      if (!id) await new Promise((r) => setTimeout(r, 100));
    }
    expect(id).toBeDefined();
    await new Promise((r) => setTimeout(r, 100));
    expect((await sdk.realtimeSessions.retrieve(id!)).status).toBe('READY');
    const wrongKey = new RunwayML({ apiKey: 'key_other', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
    await expect(wrongKey.realtimeSessions.retrieve(id!)).rejects.toBeInstanceOf(RunwayML.AuthenticationError);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await exited;
  expect(code).toBe(0);
});
