import { available, describeWith, standInFor, TOOLS } from './requires';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './ports';
import { createConnection } from 'node:net';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/logger';
import { createRedisStores } from '../../src/store/redis';

// A private redis-server per test file: 127.0.0.1, a free port, no persistence. Tests that need it
// run in CI (which installs the Debian package redis-server) and fail there if it is missing; on a
// developer machine without it they are skipped with a message.

export const REDIS_BINARY = TOOLS.redis.bin;

export const redisAvailable: boolean = available(TOOLS.redis);

/** Inside a describe block: the stand-in when redis-server is missing (test/support/requires.ts); true then. */
export function withoutRedis(name: string): boolean {
  return standInFor(TOOLS.redis, name);
}

/** `describe` whose tests need redis-server. */
export function describeWithRedis(name: string, body: () => void): void {
  describeWith(TOOLS.redis, name, body);
}

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL, as a crash: no goodbye to clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty, as after a crash without persistence). */
  restart(): Promise<void>;
  /** SIGSTOP: the port stays open but nothing answers (a hung server or a partition). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn(REDIS_BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout!.on('data', (d) => (output += d));
    proc.stderr!.on('data', (d) => (output += d));
    child = proc;
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  const signal = (sig: NodeJS.Signals) => {
    if (child && child.exitCode === null) child.kill(sig);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    stop: async () => {
      signal('SIGCONT');
      await kill();
    },
  };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d;
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Redis-backed stores for startHarness (same settings as createStores; reconnects quickly). */
export function redisStores(url: string, prefix: string) {
  return (config: Config, logger: Logger) =>
    createRedisStores({
      url,
      prefix,
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      recordRetainMs: config.SESSION_RECORD_TTL_S * 1000,
      logger,
      maxReconnectDelayMs: 200,
    });
}
