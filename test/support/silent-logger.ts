import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACT_PATHS } from '../../src/logger';

/** A real pino logger (same redaction as production) whose lines are kept for assertions. */
export function capturingLogger(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level, redact: { paths: REDACT_PATHS, censor: '[Redacted]' } }, stream);
  return { logger, lines, text: () => lines.join('\n') };
}

export const silentLogger = pino({ level: 'silent' });
