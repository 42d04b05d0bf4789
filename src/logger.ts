import pino, { type Logger } from 'pino';

// Secrets must never reach a log line, whatever object carries them.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  'apiKey',
  'sessionKey',
  'token',
  '*.apiKey',
  '*.sessionKey',
  '*.token',
  '*.RUNWAYML_API_SECRET',
  '*.authorization',
  '*.*.sessionKey',
  '*.*.token',
];

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  destination?: pino.DestinationStream;
}

export function createLogger({ level, pretty, destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'characters-broker' },
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (pretty && prettyAvailable()) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } });
  }
  return pino(options);
}

// pino-pretty is a dev dependency only; production images run without it and log JSON.
function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export type { Logger };
