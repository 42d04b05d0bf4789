import type { AvatarCreateParams } from '@runwayml/sdk/resources/avatars';

export type PresetVoiceId = AvatarCreateParams.RunwayLivePreset['presetId'];

// Like PRESET_AVATAR_IDS: the SDK has the voice ids only as a TypeScript union, so this runtime list is
// checked against it in both directions and an SDK upgrade that adds or drops a voice fails the build.
export const PRESET_VOICE_IDS = [
  'victoria',
  'vincent',
  'clara',
  'drew',
  'skye',
  'max',
  'morgan',
  'felix',
  'mia',
  'marcus',
  'summer',
  'ruby',
  'aurora',
  'jasper',
  'leo',
  'adrian',
  'nina',
  'emma',
  'blake',
  'david',
  'maya',
  'nathan',
  'sam',
  'georgia',
  'petra',
  'adam',
  'zach',
  'violet',
  'roman',
  'luna',
] as const satisfies readonly PresetVoiceId[];

type Missing = Exclude<PresetVoiceId, (typeof PRESET_VOICE_IDS)[number]>;
const everyVoiceListed: [Missing] extends [never] ? true : Missing = true;
void everyVoiceListed;

/** The SDK documents each display name as the capitalised id ("victoria" (Victoria)). */
export function presetVoiceName(id: PresetVoiceId): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
