import type { RealtimeSessionCreateParams } from '@runwayml/sdk/resources/realtime-sessions';

export type PresetAvatarId = RealtimeSessionCreateParams.RunwayPreset['presetId'];

// The SDK ships preset ids as a TypeScript union only, not as a runtime value. This list is checked
// against that union in both directions, so an SDK upgrade that adds or drops a preset fails the build.
export const PRESET_AVATAR_IDS = [
  'game-character',
  'music-superstar',
  'game-character-man',
  'cat-character',
  'influencer',
  'tennis-coach',
  'human-resource',
  'fashion-designer',
  'cooking-teacher',
] as const satisfies readonly PresetAvatarId[];

type Missing = Exclude<PresetAvatarId, (typeof PRESET_AVATAR_IDS)[number]>;
const everyPresetListed: [Missing] extends [never] ? true : Missing = true;
void everyPresetListed;

const presetSet: ReadonlySet<string> = new Set(PRESET_AVATAR_IDS);

export function isPresetAvatarId(id: string): id is PresetAvatarId {
  return presetSet.has(id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}
