import { Router } from 'express';
import { requireScope } from '../http/auth';
import { PRESET_AVATAR_IDS, type PresetAvatarId } from '../runway/presets';
import { PRESET_VOICE_IDS, presetVoiceName } from '../runway/voices';

// Runway publishes display names for only some preset avatars (reference §11).
const PUBLISHED_AVATAR_NAMES: Partial<Record<PresetAvatarId, string>> = {
  'music-superstar': 'Mina',
  'cat-character': 'Mochi',
  'fashion-designer': 'Sofia',
  'cooking-teacher': 'Marco',
};

export function presetsView() {
  return {
    avatars: PRESET_AVATAR_IDS.map((id) => ({ id, name: PUBLISHED_AVATAR_NAMES[id] ?? null })),
    voices: PRESET_VOICE_IDS.map((id) => ({ id, name: presetVoiceName(id) })),
  };
}

/** /api/presets: Runway's preset avatars and voices. No endpoint upstream lists them; the SDK types do. */
export function presetsRouter(): Router {
  const router = Router();
  const body = presetsView();
  router.get('/', requireScope('admin'), (_req, res) => {
    res.json(body);
  });
  return router;
}
