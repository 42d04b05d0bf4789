import { z } from 'zod';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a UTC date YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'not a real date');

export const usageQuery = z
  .object({
    client: z.string().min(1).max(300).optional().meta({ description: 'Only this client id (`key:<name>`, `jwt:<subject>`, `anon:<address>`). Admins only; others always see their own.' }),
    avatar: z.string().min(1).max(100).optional().meta({ description: 'Only this avatar (preset id or custom avatar UUID).' }),
    from: day.optional().meta({ description: 'First UTC day, inclusive (default: 29 days before `to`).' }),
    to: day.optional().meta({ description: 'Last UTC day, inclusive (default: today).' }),
    format: z.enum(['json', 'csv']).default('json').meta({ description: 'json (default) or csv (one row per day, client and avatar).' }),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to.', path: ['from'] });

const counts = {
  requested: z.number().int().meta({ description: 'Requests admitted (past concurrency and budget checks) and sent to Runway.' }),
  delivered: z.number().int().meta({ description: 'Sessions whose credentials reached the client.' }),
  failed: z.number().int().meta({ description: 'Sessions Runway failed or ended before delivery.' }),
  timedOut: z.number().int().meta({ description: 'Sessions not ready within the deadline.' }),
  sessionSeconds: z.number().int().meta({ description: 'Delivered → ended, capped by maxDuration, summed.' }),
};

export const usageRow = z
  .object({ day: z.string(), client: z.string(), avatar: z.string(), ...counts })
  .meta({ id: 'UsageRow', description: 'Usage of one client with one avatar on one UTC day (sessions are counted on the day they were delivered).' });

export const usageReport = z
  .object({
    from: z.string(),
    to: z.string(),
    rows: z.array(usageRow),
    totals: z.object(counts),
  })
  .meta({ id: 'UsageReport' });

export const budgetSubjectParams = z.object({
  client: z
    .string()
    .regex(/^(key:[\w.-]{1,64}|[\w.-]{1,64}|anon:[0-9a-fA-F:./]{1,64}|anonymous)$/, 'a client name, key:<name>, anon:<address> or anonymous')
    .meta({ description: 'A client name (or `key:<name>`), an anonymous address `anon:<address>`, or `anonymous` for all anonymous callers together.' }),
});

export const budgetState = z
  .object({
    subject: z.string(),
    windows: z.array(
      z.object({
        window: z.enum(['day', 'month']),
        period: z.string().meta({ description: '2026-11-30 or 2026-11 (UTC).' }),
        resetsAt: z.string(),
        limitMinutes: z.number().nullable(),
        limitSessions: z.number().int().nullable(),
        usedMinutes: z.number().meta({ description: 'Settled minutes plus the maxDuration reserved by sessions that have not ended yet.' }),
        sessions: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'BudgetState' });
