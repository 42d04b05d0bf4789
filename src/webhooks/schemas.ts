import { z } from 'zod';

export const deadLetterParams = z.object({ id: z.string().min(1).max(500).meta({ description: 'The dead letter id (also the webhook-id header the receiver saw).' }) });

export const endpointList = z
  .object({ endpoints: z.array(z.object({ id: z.string(), url: z.string().meta({ description: 'Origin and path only; the query string and the secret are never shown.' }), client: z.string().nullable() })) })
  .meta({ id: 'WebhookEndpoints' });

export const deadLetterList = z
  .object({
    durable: z.boolean().meta({ description: 'True with Redis (BullMQ); false in memory, where a restart loses the queue.' }),
    queue: z.object({ waiting: z.number().int(), delayed: z.number().int(), active: z.number().int(), dead: z.number().int() }),
    deadLetters: z.array(
      z.object({
        id: z.string(),
        endpointId: z.string(),
        type: z.string(),
        sessionId: z.string().nullable(),
        attempts: z.number().int(),
        failedAt: z.string().nullable(),
        lastError: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'WebhookDeadLetters' });

export const replayed = z.object({ id: z.string(), replayed: z.literal(true) }).meta({ id: 'WebhookReplay' });
