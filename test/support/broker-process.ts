import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { join } from 'node:path';

// The real entry point (dist/main.js, built by `npm test`) as its own process on loopback, live
// against an emulator: what the process tests share. `env` adds settings and overrides these.

export const BROKER_MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export function spawnBroker(options: { port: number; upstream: string; key: string; env?: Record<string, string>; stdio?: StdioOptions }): ChildProcess {
  return spawn(process.execPath, [BROKER_MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      RUNWAYML_API_SECRET: options.key,
      RUNWAYML_BASE_URL: options.upstream,
      ...options.env,
    },
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
}
