import type { Config } from '../config';
import { AppError, type Issue } from '../errors';
import { isPresetAvatarId, isUuid, PRESET_AVATAR_IDS } from '../runway/presets';
import type { SessionPlan } from './orchestrator';
import type { AvatarRef } from './registry';
import type { CreateSessionBody } from './schemas';

export type PlanPolicy = Pick<Config, 'SESSION_MAX_DURATION_CAP_S' | 'SESSION_DEFAULT_MAX_DURATION_S' | 'SESSION_ALLOW_OVERRIDES'>;

/** Turns a validated request into what we will ask Runway for, applying the broker's policy. */
export function planSession(body: CreateSessionBody, shape: SessionPlan['shape'], owner: string, policy: PlanPolicy): SessionPlan {
  const issues: Issue[] = [];
  const avatar = resolveAvatar(body, issues);
  const wantsOverride = body.personality !== undefined || body.startScript !== undefined;
  if (wantsOverride && !policy.SESSION_ALLOW_OVERRIDES) {
    for (const field of ['personality', 'startScript'] as const) {
      if (body[field] !== undefined) issues.push({ path: field, message: 'Per-session overrides are disabled on this broker.' });
    }
  } else if (wantsOverride && avatar?.type === 'runway-preset') {
    issues.push({ path: 'avatarId', message: 'personality and startScript apply to custom avatars only, not presets.' });
  }
  if (issues.length || !avatar) throw new AppError('INVALID_REQUEST', 'The session request is invalid.', { issues });

  const maxDuration = Math.min(body.maxDuration ?? policy.SESSION_DEFAULT_MAX_DURATION_S, policy.SESSION_MAX_DURATION_CAP_S);
  return {
    owner,
    avatar,
    shape,
    maxDuration,
    params: {
      model: 'gwm1_avatars',
      avatar: avatar.type === 'runway-preset' ? { type: 'runway-preset', presetId: avatar.id as never } : { type: 'custom', avatarId: avatar.id },
      maxDuration,
      ...(body.personality !== undefined ? { personality: body.personality } : {}),
      ...(body.startScript !== undefined ? { startScript: body.startScript } : {}),
    },
  };
}

/** Presets are named, custom avatars are UUIDs; an explicit avatarType must agree with the id. */
function resolveAvatar(body: CreateSessionBody, issues: Issue[]): AvatarRef | undefined {
  const id = body.avatarId;
  const type = isPresetAvatarId(id) ? 'runway-preset' : isUuid(id) ? 'custom' : undefined;
  if (!type) {
    issues.push({ path: 'avatarId', message: `Use a preset avatar id (${PRESET_AVATAR_IDS.join(', ')}) or a custom avatar UUID.` });
    return undefined;
  }
  if (body.avatarType && body.avatarType !== type) {
    issues.push({ path: 'avatarType', message: `avatarId "${id}" is a ${type === 'custom' ? 'custom avatar UUID' : 'preset id'}, not ${body.avatarType}.` });
    return undefined;
  }
  return { type, id: type === 'custom' ? id.toLowerCase() : id };
}
