import type { Config } from '../config';
import { AppError } from '../errors';
import type { ClientIdentity } from '../access/identity';
import type { SessionCreateParams } from '../runway/sessions';
import { isPresetAvatarId, isUuid } from '../runway/presets';
import type { AvatarRef } from '../store/registry';
import type { TemplateStore } from '../store/templates';
import { createParams, type SessionPlan } from '../sessions/plan';
import type { TemplatePlanner } from '../sessions/router';
import type { TemplateCatalog } from './catalog';
import type { ContextVerifier, VerifiedContext } from './context';
import { assertWithinLimits, render, resolveVariables, type Rendered } from './render';
import type { Template } from './schemas';

// Starting a template: where its variables may come from, which callers may start it, and the
// SessionPlan the orchestrator takes, exactly as for any other session. Variables come from a
// signed ?ctx= token, a signed-in caller's JWT claim, or the body of an API-key client granted the
// "variables" override — never from an anonymous body.

export interface TemplatePlannerDeps {
  config: Pick<Config, 'SESSION_DEFAULT_MAX_DURATION_S' | 'SESSION_MAX_DURATION_CAP_S'>;
  catalog: TemplateCatalog;
  tokens: TemplateStore;
  verifyContext?: ContextVerifier;
}

const SET_BY_TEMPLATE = ['avatarType', 'personality', 'startScript', 'tools'] as const;

export function templatePlanner({ config, catalog, tokens, verifyContext }: TemplatePlannerDeps): TemplatePlanner {
  return async (body, shape, client, ctx) => {
    const entry = isPresetAvatarId(body.avatarId) || isUuid(body.avatarId) ? undefined : await catalog.get(body.avatarId);
    if (!entry) {
      if (ctx !== undefined || body.variables !== undefined) {
        throw new AppError('INVALID_REQUEST', `ctx and variables apply to session templates only, and there is no template "${body.avatarId}".`, {
          issues: [{ path: 'avatarId', message: 'Not a session template.' }],
        });
      }
      return undefined;
    }
    const { template } = entry;
    const policy = client.policy;
    if (!policy) throw new AppError('UNAUTHORIZED', 'Anonymous sessions are off on this broker; send an API key or a token.');
    const setByTemplate = SET_BY_TEMPLATE.filter((field) => body[field] !== undefined);
    if (setByTemplate.length) {
      throw new AppError('INVALID_REQUEST', `"${template.id}" is a session template: it sets the avatar, personality, startScript and tools itself.`, {
        issues: setByTemplate.map((path) => ({ path, message: 'Set by the template.' })),
      });
    }
    if (body.maxDuration !== undefined && !policy.overrides.includes('maxDuration')) {
      throw new AppError('OVERRIDE_NOT_ALLOWED', undefined, { issues: [{ path: 'maxDuration', message: 'This client is not granted the "maxDuration" override.' }] });
    }
    if (policy.avatars && !policy.avatars.some((id) => id.toLowerCase() === template.id)) {
      throw new AppError('AVATAR_NOT_ALLOWED', `This client may not start "${template.id}".`);
    }

    let context: VerifiedContext | undefined;
    let values: Record<string, string>;
    if (ctx !== undefined) {
      if (body.variables !== undefined) throw new AppError('INVALID_REQUEST', 'Send variables in the context token or in the body, not both.', { issues: [{ path: 'variables', message: 'Not with ?ctx=.' }] });
      if (!verifyContext) throw new AppError('TEMPLATE_CONTEXT_INVALID', 'This broker has no key to verify context tokens (TEMPLATE_CONTEXT_SECRET, TEMPLATE_CONTEXT_JWKS_URL or the JWT_* keys).');
      context = await verifyContext(ctx);
      if (context.template !== template.id) throw new AppError('TEMPLATE_CONTEXT_INVALID', `The context token was issued for another template, not "${template.id}".`);
      values = resolveVariables(template, context.variables);
    } else if (body.variables !== undefined) {
      if (!policy.overrides.includes('variables')) {
        throw new AppError('OVERRIDE_NOT_ALLOWED', 'This client may not send template variables; browsers pass them in a signed context token (?ctx=).', {
          issues: [{ path: 'variables', message: 'This client is not granted the "variables" override.' }],
        });
      }
      assertClientAllowed(template, client);
      values = resolveVariables(template, body.variables);
    } else {
      assertClientAllowed(template, client);
      values = client.kind === 'jwt' ? resolveVariables(template, client.templateVariables ?? {}, { ignoreUnknown: true }) : resolveVariables(template, {});
    }

    const rendered = render(template, values);
    assertWithinLimits(template, rendered);
    // Last, so a token refused for any other reason can still be used once it is fixed.
    if (context && !(await tokens.claimToken(context.jtiHash, Math.max(1000, context.expiresAt - Date.now())))) {
      throw new AppError('TEMPLATE_CONTEXT_REPLAYED');
    }
    const maxDuration = Math.min(body.maxDuration ?? template.maxDuration ?? config.SESSION_DEFAULT_MAX_DURATION_S, policy.maxDuration, config.SESSION_MAX_DURATION_CAP_S);
    const avatar = avatarOf(template);
    const plan: SessionPlan = { owner: client.id, clientLimit: policy.maxConcurrent, avatar, shape, maxDuration, params: templateParams(template, rendered, maxDuration) };
    return { plan, template: template.id };
  };
}

/** Who may start a template without a context token (see the `clients` field). */
function assertClientAllowed(template: Template, client: ClientIdentity): void {
  const allowed =
    template.clients === undefined
      ? client.kind !== 'anonymous'
      : client.kind === 'anonymous'
        ? template.clients.includes('anonymous')
        : client.kind === 'jwt'
          ? template.clients.includes('jwt')
          : template.clients.includes(client.id.replace(/^key:/, ''));
  if (allowed) return;
  throw new AppError(
    'AVATAR_NOT_ALLOWED',
    client.kind === 'anonymous' ? `Template "${template.id}" needs a signed context token (?ctx=) from this site's server.` : `This client may not start template "${template.id}".`,
  );
}

export function avatarOf(template: Template): AvatarRef {
  return isPresetAvatarId(template.avatarId) ? { type: 'runway-preset', id: template.avatarId } : { type: 'custom', id: template.avatarId.toLowerCase() };
}

/** What Runway is asked for: the template's text as rendered, through the one place params are built. */
export function templateParams(template: Template, rendered: Rendered, maxDuration: number): SessionCreateParams {
  return createParams(avatarOf(template), maxDuration, { personality: rendered.personality, startScript: rendered.startScript, tools: template.tools });
}
