import { z } from 'zod';

// GET /api/console/state: what an operator sees on /console. Non-secret by construction: session
// ids, client ids, avatar ids, step times, counts and latencies; never a key, token or URL.

const timing = z
  .object({
    count: z.number().int().meta({ description: 'Observations since this replica started.' }),
    meanMs: z.number().nullable(),
    p50Ms: z.number().nullable().meta({ description: 'Upper bound of the histogram bucket holding the median.' }),
    p95Ms: z.number().nullable().meta({ description: 'Upper bound of the histogram bucket holding the 95th percentile.' }),
  })
  .meta({ id: 'ConsoleTiming' });

const consoleSession = z
  .object({
    sessionId: z.uuid(),
    client: z.string().meta({ description: 'The owning client id (key:<name>, jwt:<subject> or anon:<address>).' }),
    avatar: z.object({ type: z.enum(['runway-preset', 'custom']), id: z.string() }),
    status: z.enum(['starting', 'queued', 'provisioning', 'delivered', 'ended', 'failed', 'timed_out', 'cancelled']),
    requestedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    readyAt: z.iso.datetime().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
    endReason: z.string().nullable(),
    pooled: z.boolean().optional().meta({ description: 'Present once the warm pool exists: true if taken from it.' }),
  })
  .meta({ id: 'ConsoleSession' });

export const consoleState = z
  .object({
    generatedAt: z.iso.datetime(),
    capacity: z
      .object({
        limit: z.number().int().meta({ description: 'The global cap (GLOBAL_MAX_SESSIONS, or the organization concurrency).' }),
        used: z.number().int().meta({ description: 'Concurrency slots held across all replicas: sessions starting or running.' }),
        free: z.number().int(),
      })
      .meta({ id: 'ConsoleCapacity' }),
    inFlight: z.array(consoleSession).meta({ description: 'Sessions this replica is starting (not yet delivered).' }),
    running: z.array(consoleSession).meta({ description: 'Delivered sessions this replica handed out that have not ended yet.' }),
    recentlyEnded: z.array(consoleSession).meta({ description: 'The last sessions that finished on this replica, newest first.' }),
    clients: z
      .array(z.object({ client: z.string(), used: z.number().int(), limit: z.number().int().nullable() }))
      .meta({ description: "Per-client slots in use against the client's maxConcurrent: configured API-key clients plus every client with a session shown." }),
    errors: z
      .array(z.object({ code: z.string(), status: z.number().int(), count: z.number().int(), lastAt: z.iso.datetime() }))
      .meta({ description: 'Error responses of this replica in the last 15 minutes, by code, most frequent first.' }),
    upstream: z
      .array(timing.extend({ op: z.string() }))
      .meta({ description: 'Runway API attempt latency per operation since this replica started.' }),
    timeToReady: timing,
    timeToCredentials: timing,
    pool: z
      .array(z.object({ avatarId: z.string(), ready: z.number().int(), warming: z.number().int(), target: z.number().int() }))
      .optional()
      .meta({ description: 'Warm pool per avatar; present only when the broker keeps a warm pool.' }),
  })
  .meta({ id: 'ConsoleState' });

export type ConsoleState = z.infer<typeof consoleState>;
export type ConsoleSession = z.infer<typeof consoleSession>;
export type ConsoleTiming = z.infer<typeof timing>;
export type PoolView = NonNullable<ConsoleState['pool']>[number];
