import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

// OpenTelemetry tracing, off unless the standard OTEL_* variables ask for an exporter. When off,
// nothing but this file loads: the SDK and instrumentations are required only inside startTracing,
// and @opentelemetry/api (used by src/sessions/tracing.ts) stays its no-op self.
//
// It must run before express, http, undici or ioredis are first required (the instrumentations
// patch them as they load): src/ops/tracing-preload.ts is main.ts's first import.

export type Env = Record<string, string | undefined>;

export interface TracingPlan {
  exporters: ('otlp' | 'console')[];
  /** Said once at boot on stderr: a setting we cannot honour. */
  warnings: string[];
}

/** Reads the OTEL_* variables as the spec defines them; undefined means tracing stays off. */
export function tracingPlan(env: Env): TracingPlan | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const listed = env.OTEL_TRACES_EXPORTER?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  // Unlike the spec's default (otlp), an unset exporter stays off unless an OTLP endpoint is given:
  // a broker without a collector must not spend anything on spans.
  const wanted = listed ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp'] : []);
  const warnings: string[] = [];
  const exporters: TracingPlan['exporters'] = [];
  for (const name of wanted) {
    if (name === 'otlp' || name === 'console') exporters.push(name);
    else if (name !== 'none') warnings.push(`OTEL_TRACES_EXPORTER=${name} is not supported (otlp, console, none); ignored`);
  }
  if (wanted.includes('none') || exporters.length === 0) return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (exporters.includes('otlp') && protocol && protocol !== 'http/json') {
    warnings.push(`OTLP protocol ${protocol} is not supported; spans are sent as http/json (OTLP collectors accept both on the HTTP port)`);
  }
  return { exporters, warnings };
}

let enabled = false;
let stop: (() => Promise<void>) | undefined;

/** True once startTracing registered a provider: callers skip tracing-only work otherwise. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Flushes and stops the provider (the preload calls it on SIGTERM/SIGINT); no-op when off. */
export async function stopTracing(): Promise<void> {
  await stop?.();
}

export function startTracing(env: Env = process.env, write: (line: string) => void = (l) => process.stderr.write(l)): boolean {
  const plan = tracingPlan(env);
  if (!plan || enabled) return enabled;
  for (const warning of plan.warnings) write(`characters-broker: ${warning}\n`);
  // Loaded here, only when tracing is on.
  const { NodeTracerProvider, BatchSpanProcessor, ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { detectResources, envDetector, resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');

  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
  const resource = resourceFromAttributes({ 'service.name': 'characters-broker' }).merge(detectResources({ detectors: [envDetector] }));
  const exporters = plan.exporters.map((name) => (name === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter()));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new RedactingSpanProcessor(), ...exporters.map((exporter) => new BatchSpanProcessor(exporter))],
  });
  provider.register(); // AsyncLocalStorage context and the W3C traceparent/baggage propagator
  const probes = new Set(['/livez', '/readyz', '/metrics']);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => probes.has((req.url ?? '').split('?')[0] ?? ''),
        // Outgoing calls belong to a request or a session step; the follower's background polls and
        // the exporter's own requests would otherwise each start a trace.
        requireParentforOutgoingSpans: true,
      }),
      // Middleware and router layers (helmet, cors, auth, limits, each mounted router) would add a
      // dozen spans per request; the route's handlers stay.
      new ExpressInstrumentation({ ignoreLayersType: ['middleware', 'router'] as never[] }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // The command name only: arguments are keys and values (EVAL's would include stored
      // idempotent responses, which hold credentials; keys name clients and addresses).
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  enabled = true;
  stop = () => provider.shutdown();
  return true;
}

// Attribute keys whose values are credentials; and URL-like keys whose query strings may carry
// them (?token=…). Instrumentations do not record headers unless asked, but one slip must not leak.
const SECRET_KEY = /authori[sz]ation|cookie|token|session[._-]?key|api[._-]?key|secret|password/i;
const URL_KEY = /(^|\.)(url|target|query|full|original)$|^url\./i;

/** Runs first on every span start: strips query strings and drops credential-looking attributes. */
export class RedactingSpanProcessor implements SpanProcessor {
  onStart(span: Span): void {
    for (const [key, value] of Object.entries(span.attributes)) {
      const clean = redactAttribute(key, value);
      if (clean !== value) span.setAttribute(key, clean as string);
    }
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function redactAttribute(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key)) return '[redacted]';
  if (typeof value !== 'string') return value;
  if (key === 'url.query' || key === 'http.query') return '';
  if (URL_KEY.test(key) && value.includes('?')) return value.slice(0, value.indexOf('?'));
  return value;
}
