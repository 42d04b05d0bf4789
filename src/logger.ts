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
  /** Development: one short line per event (see devLine); otherwise JSON lines. */
  pretty: boolean;
  destination?: pino.DestinationStream;
  /** The `service` field of every line (the broker and the standalone emulator share this logger). */
  service?: string;
}

export function createLogger({ level, pretty, destination, service = 'characters-broker' }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  const prettyStream = pretty ? devStream() : undefined;
  return prettyStream ? pino(options, prettyStream) : pino(options);
}

/** Fields the development line shows in its own words, or not at all. */
const SHOWN_ELSEWHERE = ['pid', 'hostname', 'service', 'component', 'req', 'res', 'responseTime', 'route'];

interface LogLine {
  msg?: string;
  component?: string;
  req?: { id?: string; method?: string; path?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  route?: string;
}

/** A request as one line: method, route, status, milliseconds, request id. Anything else: its message. */
export function devLine(log: LogLine): string {
  if (log.req?.method && log.res?.statusCode !== undefined) {
    const ms = log.responseTime === undefined ? '' : ` ${Math.round(log.responseTime)}ms`;
    return `${log.req.method} ${log.route ?? log.req.path ?? ''} ${log.res.statusCode}${ms}${log.req.id ? ` ${log.req.id}` : ''}`;
  }
  const msg = log.msg ?? '';
  return log.component && !msg.startsWith(`${log.component}:`) ? `${log.component}: ${msg}` : msg;
}

/**
 * pino-pretty in this thread (a transport would start a worker, ~10 MB and a slower boot) with one
 * line per event. It is a dev dependency only: production images run without it and log JSON.
 */
function devStream(): pino.DestinationStream | undefined {
  let pretty: typeof import('pino-pretty');
  try {
    pretty = require('pino-pretty') as typeof import('pino-pretty');
  } catch {
    return undefined;
  }
  return pretty.PinoPretty({
    sync: true,
    singleLine: true,
    translateTime: 'HH:MM:ss.l',
    ignore: SHOWN_ELSEWHERE.join(','),
    messageFormat: (log) => devLine(log as LogLine),
  });
}

export type { Logger };
