import { z } from 'zod';

// /api/pool: the warm pool's state and run-time sizing (admin only).

export const poolAvatarParams = z.object({
  avatarId: z.string().min(1).max(64).meta({ description: 'A preset avatar id (e.g. music-superstar) or a custom avatar UUID.' }),
});

export const poolSize = z.union([z.number().int().min(0).max(10_000), z.literal('auto')]);

export const resizePoolBody = z.strictObject({
  size: poolSize.meta({ description: 'Sessions to keep READY for this avatar, or "auto" (sized from arrivals and provisioning time).' }),
});

export const avatarPoolState = z
  .object({
    avatarId: z.string(),
    avatarType: z.enum(['runway-preset', 'custom']),
    size: poolSize,
    target: z.number().int().meta({ description: 'What the pool aims to hold now (equals size unless auto).' }),
    idle: z.number().int().meta({ description: 'READY sessions waiting for a request.' }),
    provisioning: z.number().int().meta({ description: 'Sessions being created for the pool.' }),
    hits: z.number().int(),
    misses: z.number().int(),
    arrivalsPerMinute: z.number().meta({ description: 'Poolable requests per minute, decaying (what auto sizes from).' }),
    metricsLabel: z.string().meta({ description: 'The avatar label of the broker_pool_* metrics: the id if set in WARM_POOL, else "other".' }),
  })
  .meta({ id: 'AvatarPool' });

export const poolStateResponse = z
  .object({
    max: z.number().int().meta({ description: 'WARM_POOL_MAX: most sessions this replica holds for the pool.' }),
    held: z.number().int().meta({ description: 'Sessions held now across avatars (each holds a Runway concurrency slot).' }),
    avatars: z.array(avatarPoolState),
  })
  .meta({ id: 'PoolState' });
