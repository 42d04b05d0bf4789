// Standalone emulator: `npm run emulator` (dist/emulator/main.js) or a docker-compose service.
// Settings: defaults < EMULATOR_CONFIG JSON file < EMULATOR_* variables.
import { readFileSync } from 'node:fs';
import { createLogger } from '../logger';
import { startEmulator } from './index';
import { mergeSettings, defaultSettings, settingsFromEnv, SettingsError } from './settings';

function readConfig(path: string | undefined): { settings: Record<string, unknown>; faults: unknown[] } {
  if (!path) return { settings: {}, faults: [] };
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${path}: expected a JSON object`);
  const { faults, ...settings } = raw as Record<string, unknown>;
  if (faults !== undefined && !Array.isArray(faults)) throw new Error(`${path}: "faults" must be an array`);
  return { settings, faults: faults ?? [] };
}

async function main(): Promise<void> {
  const env = process.env;
  // The broker's logger: one line per request in development, JSON lines in production.
  const log = createLogger({ level: env.EMULATOR_LOG_LEVEL ?? 'info', pretty: (env.NODE_ENV ?? 'development') === 'development', service: 'runway-emulator' });
  const config = readConfig(env.EMULATOR_CONFIG);
  // A long-running emulator gets a random seed unless one is given: with the fixed default, every
  // restart would hand out the same session ids again, which Runway never does. Tests pin a seed.
  const randomSeed = { seed: Math.floor(Math.random() * 2 ** 31) };
  const settings = mergeSettings(mergeSettings(mergeSettings(defaultSettings(), randomSeed), config.settings), settingsFromEnv(env));
  const envFaults: unknown[] = env.EMULATOR_FAULTS ? (JSON.parse(env.EMULATOR_FAULTS) as unknown[]) : [];

  const emulator = await startEmulator({
    port: env.EMULATOR_PORT === undefined ? 4010 : Number(env.EMULATOR_PORT),
    host: env.EMULATOR_HOST ?? '0.0.0.0',
    settings,
    logger: log,
  });
  for (const rule of [...config.faults, ...envFaults]) emulator.addFault(rule as never);
  log.info(
    { url: emulator.url, apiKey: emulator.apiKey === null ? 'any' : 'configured', control: `${emulator.url}/__emulator/ledger` },
    'Runway emulator ready (point the SDK at this url as baseURL)',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'emulator: shutting down');
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'emulator: close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const message = err instanceof SettingsError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`runway emulator: ${message}\n`);
  process.exit(1);
});
