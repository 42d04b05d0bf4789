// Local helpers the benchmarks share: a free port, a private redis-server (or REDIS_URL), a memory cgroup.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../src/logger';
import { createRedisStores } from '../src/store/redis';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** REDIS_URL when set, else a redis-server on a free loopback port (no persistence), ready when returned. */
export async function localRedis(logger: Logger): Promise<{ url: string; stop(): void }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => undefined };
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  child.on('error', (err) => {
    console.error(`cannot start redis-server (${err.message}); install it or set REDIS_URL`);
    process.exit(1);
  });
  const url = `redis://127.0.0.1:${port}`;
  const probe = createRedisStores({ url, prefix: 'probe:', commandTimeoutMs: 1000, recordRetainMs: 1000, logger });
  for (let i = 0; i < 200 && !(await probe.healthy()); i += 1) await new Promise((r) => setTimeout(r, 25));
  await probe.close();
  return { url, stop: () => child.kill('SIGKILL') };
}

/**
 * A memory cgroup of `limitMb` to run a process in, as a container's memory limit would (Node sizes
 * its heap from it); undefined when this machine does not let us make one (no root, read-only
 * cgroupfs). cgroup v2 or v1. `wrap` turns a command into one that joins the group, then execs it.
 */
export function memoryCgroup(limitMb: number): { wrap(command: string[]): string[]; remove(): void } | undefined {
  const name = `bench-${process.pid}`;
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const dir = v2 ? `/sys/fs/cgroup/${name}` : `/sys/fs/cgroup/memory/${name}`;
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limitMb * 2 ** 20));
  } catch {
    return undefined;
  }
  return {
    wrap: (command) => ['sh', '-c', `echo $$ > ${join(dir, 'cgroup.procs')} && exec "$@"`, 'sh', ...command],
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // still in use or already gone: the machine's cgroup reaper will have it
      }
    },
  };
}
