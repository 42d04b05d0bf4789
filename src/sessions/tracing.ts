import { context, createContextKey, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span, type SpanContext } from '@opentelemetry/api';
import { isAppError } from '../errors';
import type { SessionEvents } from './events';

// The session's life as spans, through @opentelemetry/api only: when tracing is off (no provider
// registered, see src/ops/tracing.ts) every call here is a no-op. Attributes are ids, statuses,
// reasons and error codes; never a sessionKey, token, URL or message text.

const tracer = trace.getTracer('characters-broker/sessions');

// The key @opentelemetry/core's suppressTracing uses; instrumentations check it before starting a span.
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** Runs one step of a session as a child span of the active one (the request's). */
export function step<T>(name: string, run: () => Promise<T>, attributes: Attributes = {}): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, (span) => settle(span, run));
}

/**
 * The polling phase: one span, each poll an event on it (see pollEvent). The upstream GETs inside
 * are not traced, so a slow session is one span with N events rather than N spans.
 */
export function pollingPhase<T>(sessionId: string, run: () => Promise<T>): Promise<T> {
  const span = tracer.startSpan('session.poll', { attributes: { 'session.id': sessionId } });
  const ctx = trace.setSpan(context.active(), span).setValue(SUPPRESS_TRACING, true);
  return context.with(ctx, () => settle(span, run));
}

/** Records one upstream poll on the polling span. */
export function pollEvent(status: string, queued?: boolean): void {
  trace.getActiveSpan()?.addEvent('poll', { 'session.status': status, ...(queued === undefined ? {} : { 'session.queued': queued }) });
}

/**
 * Work that outlives the request (cancelling an undelivered session): its own trace, linked to the
 * request's span so one can be found from the other. Runs with that span active.
 */
export function background<T>(name: string, attributes: Attributes, run: () => Promise<T>): Promise<T> {
  const parent = trace.getActiveSpan()?.spanContext();
  const links: Link[] = parent && trace.isSpanContextValid(parent) ? [{ context: parent }] : [];
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes, links, root: true });
  return context.with(trace.setSpan(ROOT_CONTEXT, span), () => settle(span, run));
}

async function settle<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    // The stable code only: messages may quote upstream text.
    const code = isAppError(err) ? err.code : err instanceof Error ? err.name : 'error';
    span.setAttribute('error.type', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    throw err;
  } finally {
    span.end();
  }
}

const MAX_FOLLOWED = 10_000;

/**
 * A delivered session ends long after its request, in the follower's background loop. Remember the
 * delivering span per session (bounded, this replica only) and record the end as a span linked to it.
 */
export function traceSessionEnds(events: SessionEvents): () => void {
  const delivering = new Map<string, SpanContext>();
  return events.on((event) => {
    const id = event.record.id;
    if (event.type === 'delivered') {
      const span = trace.getActiveSpan()?.spanContext();
      if (!span || !trace.isSpanContextValid(span)) return;
      if (delivering.size >= MAX_FOLLOWED) delivering.delete(delivering.keys().next().value as string);
      delivering.set(id, span);
      return;
    }
    if (event.type !== 'ended') return;
    const link = delivering.get(id);
    delivering.delete(id);
    const span = tracer.startSpan('session.ended', {
      root: true,
      links: link ? [{ context: link }] : [],
      attributes: { 'session.id': id, 'session.end_reason': event.reason ?? 'unknown' },
    });
    span.end();
  });
}
