import { ConfigError, type Config } from '../config';
import { isPresetAvatarId, isUuid, PRESET_AVATAR_IDS } from '../runway/presets';
import type { AvatarRef } from '../store/registry';

// WARM_POOL, checked against what the broker knows: config.ts checks the syntax (it depends on
// nothing), this module checks the ids against the SDK's preset list.

export type PoolSize = number | 'auto';

export interface PoolEntry {
  avatar: AvatarRef;
  size: PoolSize;
}

export interface PoolSettings {
  entries: PoolEntry[];
  maxTotal: number;
  maxIdleMs: number;
  retireMarginMs: number;
  targetHitRate: number;
  /** The default plan's maxDuration: only requests with this maxDuration can take a pooled session. */
  maxDuration: number;
}

/** Turns an avatar id into a reference, or explains why it is not one. */
export function poolAvatar(id: string): AvatarRef | string {
  if (isPresetAvatarId(id)) return { type: 'runway-preset', id };
  if (isUuid(id)) return { type: 'custom', id: id.toLowerCase() };
  return `"${id}" is neither a preset avatar (${PRESET_AVATAR_IDS.join(', ')}) nor a custom avatar UUID`;
}

/** Throws ConfigError (exit 78 at boot) for an id that is neither a preset nor a UUID. */
export function poolSettings(config: Config): PoolSettings {
  const problems: string[] = [];
  const entries: PoolEntry[] = [];
  for (const { avatarId, size } of config.WARM_POOL) {
    const avatar = poolAvatar(avatarId);
    if (typeof avatar === 'string') problems.push(`WARM_POOL: ${avatar}`);
    else entries.push({ avatar, size });
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    entries,
    maxTotal: config.WARM_POOL_MAX,
    maxIdleMs: config.WARM_POOL_MAX_IDLE_S * 1000,
    retireMarginMs: config.WARM_POOL_RETIRE_MARGIN_S * 1000,
    targetHitRate: config.WARM_POOL_TARGET_HIT_RATE,
    maxDuration: config.SESSION_DEFAULT_MAX_DURATION_S,
  };
}
