// Preset ids from the SDK (realtime-sessions.ts, avatars.ts). Display names only where published.

export const PRESET_AVATARS = [
  'game-character',
  'music-superstar',
  'game-character-man',
  'cat-character',
  'influencer',
  'tennis-coach',
  'human-resource',
  'fashion-designer',
  'cooking-teacher',
] as const;
export type PresetAvatarId = (typeof PRESET_AVATARS)[number];

const publishedNames: Partial<Record<PresetAvatarId, string>> = {
  'music-superstar': 'Mina',
  'cat-character': 'Mochi',
  'fashion-designer': 'Sofia',
  'cooking-teacher': 'Marco',
};

/** Published name, else the id in title case ("tennis-coach" → "Tennis Coach"). */
export function presetAvatarName(id: string): string {
  return (
    publishedNames[id as PresetAvatarId] ??
    id
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' ')
  );
}

export const PRESET_VOICES = [
  'victoria', 'vincent', 'clara', 'drew', 'skye', 'max', 'morgan', 'felix', 'mia', 'marcus',
  'summer', 'ruby', 'aurora', 'jasper', 'leo', 'adrian', 'nina', 'emma', 'blake', 'david',
  'maya', 'nathan', 'sam', 'georgia', 'petra', 'adam', 'zach', 'violet', 'roman', 'luna',
] as const;

const voiceStyles: Record<string, string> = {
  clara: 'Soft and approachable',
  victoria: 'Firm and professional',
  vincent: 'Knowledgeable and authoritative',
};

export function presetVoice(id: string): { name: string; description: string } {
  return {
    name: id.charAt(0).toUpperCase() + id.slice(1),
    description: voiceStyles[id] ?? 'A Runway live preset voice',
  };
}
