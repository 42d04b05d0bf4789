import { startTracing, stopTracing } from './tracing';

// Imported first by main.ts so the instrumentations patch http, express, undici and ioredis before
// anything loads them. Does nothing (and loads nothing) unless OTEL_* asks for an exporter.
if (startTracing()) {
  // main.ts exits after draining; flush what is buffered in the meantime.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stopTracing().catch(() => undefined));
}
