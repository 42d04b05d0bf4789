// Public entry point: start an emulator in-process (tests, embedded default) and get a handle.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { createApp } from './app';
import { EmulatorCore } from './core';
import type { FaultRule } from './faults';
import type { Ledger, LedgerSession } from './ledger';
import { defaultSettings, mergeSettings, type EmulatorSettings } from './settings';

export type { EmulatorSettings, FaultRule, Ledger, LedgerSession };
export type { FaultAction } from './faults';
export type { Readiness } from './settings';
export { defaultSettings, settingsFromEnv, envName, SettingsError } from './settings';

export interface StartEmulatorOptions {
  /** Default 0 = ephemeral. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Deep-merged over the defaults and validated. */
  settings?: Partial<EmulatorSettings>;
  /** Silent when absent. */
  logger?: Logger;
}

export interface EmulatorHandle {
  /** Origin without /v1, e.g. 'http://127.0.0.1:41234': what the SDK takes as baseURL. */
  url: string;
  /** The key it requires (null = accepts any non-empty Bearer). */
  apiKey: string | null;
  settings(): EmulatorSettings;
  updateSettings(patch: Partial<EmulatorSettings>): EmulatorSettings;
  addFault(rule: FaultRule): string;
  clearFaults(): void;
  ledger(): Ledger;
  reset(): void;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<EmulatorHandle> {
  const log = options.logger ?? pino({ level: 'silent' });
  const core = new EmulatorCore(mergeSettings(defaultSettings(), options.settings ?? {}), log);
  const server = http.createServer(createApp(core));
  core.livekit.attach(server);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  log.info({ url }, 'emulator: listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    get apiKey() {
      return core.settings.apiKey;
    },
    // copies, so a caller cannot change settings behind the validator's back
    settings: () => structuredClone(core.settings),
    updateSettings: (patch) => structuredClone(core.updateSettings(patch)),
    addFault: (rule) => core.faults.add(rule),
    clearFaults: () => core.faults.clear(),
    ledger: () => core.ledger(),
    reset: () => core.reset(),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        core.close();
        server.close(() => resolve());
        // keep-alive sockets (the SDK's fetch keeps them) would hold close() open
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
