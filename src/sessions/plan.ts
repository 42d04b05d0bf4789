import type { ClientPolicy, Override } from '../access/clients';
import type { Config } from '../config';
import { AppError, type Issue } from '../errors';
import type { ClientIdentity } from '../access/identity';
import type { SessionCreateParams } from '../runway/sessions';
import { isPresetAvatarId, isUuid, PRESET_AVATAR_IDS } from '../runway/presets';
import type { AvatarRef } from '../store/registry';
import type { CreateSessionBody } from './schemas';

export interface SessionPlan {
  owner: string;
  /** How many sessions this owner may have starting or running at once. */
  clientLimit: number;
  avatar: AvatarRef;
  shape: 'credentials' | 'sessionKey';
  maxDuration: number;
  params: SessionCreateParams;
  /** The session template that produced this plan (src/templates), recorded on the session. */
  template?: string;
}

export type PlanDefaults = Pick<Config, 'SESSION_DEFAULT_MAX_DURATION_S' | 'SESSION_MAX_DURATION_CAP_S'>;

/**
 * Turns a validated request into what we will ask Runway for, under the caller's policy: which
 * avatars it may start, which per-session fields it may set, and how long its sessions may last.
 */
export function planSession(body: CreateSessionBody, shape: SessionPlan['shape'], client: ClientIdentity, defaults: PlanDefaults): SessionPlan {
  const policy = client.policy;
  if (!policy) throw new AppError('UNAUTHORIZED', 'Anonymous sessions are off on this broker; send an API key or a token.');
  const avatar = resolveAvatar(body);
  if (policy.avatars && !policy.avatars.some((id) => id.toLowerCase() === avatar.id)) {
    throw new AppError('AVATAR_NOT_ALLOWED', `This client may not start avatar "${body.avatarId}".`);
  }
  checkOverrides(body, policy, avatar);

  // The global cap bounds every policy, however it was built.
  const maxDuration = Math.min(body.maxDuration ?? defaults.SESSION_DEFAULT_MAX_DURATION_S, policy.maxDuration, defaults.SESSION_MAX_DURATION_CAP_S);
  return {
    owner: client.id,
    clientLimit: policy.maxConcurrent,
    avatar,
    shape,
    maxDuration,
    params: createParams(avatar, maxDuration, body),
  };
}

/** What Runway is asked for (every planner, template sessions included, builds it here). */
export function createParams(avatar: AvatarRef, maxDuration: number, fields: Pick<SessionCreateParams, 'personality' | 'startScript' | 'tools'>): SessionCreateParams {
  return {
    model: 'gwm1_avatars',
    avatar: avatar.type === 'runway-preset' ? { type: 'runway-preset', presetId: avatar.id as never } : { type: 'custom', avatarId: avatar.id },
    maxDuration,
    ...(fields.personality !== undefined ? { personality: fields.personality } : {}),
    ...(fields.startScript !== undefined ? { startScript: fields.startScript } : {}),
    ...(fields.tools !== undefined ? { tools: fields.tools } : {}),
  };
}

/** Presets are named, custom avatars are UUIDs; an explicit avatarType must agree with the id. */
function resolveAvatar(body: CreateSessionBody): AvatarRef {
  const id = body.avatarId;
  const type = isPresetAvatarId(id) ? 'runway-preset' : isUuid(id) ? 'custom' : undefined;
  const invalid = (issue: Issue) => new AppError('INVALID_REQUEST', 'The session request is invalid.', { issues: [issue] });
  if (!type) throw invalid({ path: 'avatarId', message: `Use a preset avatar id (${PRESET_AVATAR_IDS.join(', ')}) or a custom avatar UUID.` });
  if (body.avatarType && body.avatarType !== type) {
    throw invalid({ path: 'avatarType', message: `avatarId "${id}" is a ${type === 'custom' ? 'custom avatar UUID' : 'preset id'}, not ${body.avatarType}.` });
  }
  return { type, id: type === 'custom' ? id.toLowerCase() : id };
}

function checkOverrides(body: CreateSessionBody, policy: ClientPolicy, avatar: AvatarRef): void {
  const requested = (['personality', 'startScript', 'tools', 'maxDuration'] as Override[]).filter((field) => body[field] !== undefined);
  const refused = requested.filter((field) => !policy.overrides.includes(field));
  if (refused.length) {
    throw new AppError('OVERRIDE_NOT_ALLOWED', undefined, {
      issues: refused.map((path) => ({ path, message: `This client is not granted the "${path}" override.` })),
    });
  }
  const personaFields = requested.filter((field) => field === 'personality' || field === 'startScript');
  if (personaFields.length && avatar.type === 'runway-preset') {
    throw new AppError('INVALID_REQUEST', 'personality and startScript apply to custom avatars only, not presets.', {
      issues: personaFields.map((path) => ({ path, message: 'Custom avatars only.' })),
    });
  }
}
