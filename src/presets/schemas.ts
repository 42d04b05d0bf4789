import { z } from 'zod';
import { PRESET_AVATAR_IDS } from '../runway/presets';
import { PRESET_VOICE_IDS } from '../runway/voices';

export const presetsResponse = z
  .object({
    avatars: z.array(
      z.object({
        id: z.enum(PRESET_AVATAR_IDS).meta({ description: 'Use as avatarId when starting a session.' }),
        name: z.string().nullable().meta({ description: 'Display name where Runway publishes one, else null.' }),
      }),
    ),
    voices: z.array(
      z.object({
        id: z.enum(PRESET_VOICE_IDS).meta({ description: 'Use as `voice` when creating or updating an avatar.' }),
        name: z.string().meta({ example: 'Clara' }),
      }),
    ),
  })
  .meta({ id: 'Presets' });
