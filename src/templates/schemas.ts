import { z } from 'zod';
import { isPresetAvatarId, isUuid, PRESET_AVATAR_IDS } from '../runway/presets';
import { sessionTool } from '../sessions/schemas';
import { LIMITS, placeholders, valueProblem } from './render';

// A session template: an admin-defined session whose personality and startScript carry
// {{variable}} placeholders filled per caller. These schemas validate TEMPLATES_FILE, the admin API
// and the stored documents, and generate the OpenAPI document.

export const templateId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'template ids are 1-64 lowercase letters, digits and -, starting with a letter')
  .refine((id) => !isPresetAvatarId(id), { message: `a template id may not be a preset avatar id (${PRESET_AVATAR_IDS.join(', ')})` })
  .refine((id) => !isUuid(id), { message: 'a template id may not be a UUID (custom avatar ids are UUIDs)' })
  .meta({ description: 'Started by this id in the ordinary avatarId field. Not a preset id, not a UUID.', example: 'acme-support' });

export const variableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'variable names are letters, digits and _, not starting with a digit')
  .refine((name) => !['__proto__', 'constructor', 'prototype'].includes(name), { message: 'reserved name' });

export const variableValue = z.union([z.string(), z.number(), z.boolean()]);

export const variableDeclaration = z
  .strictObject({
    type: z.enum(['string', 'integer', 'number', 'boolean']).default('string'),
    required: z.boolean().default(true).meta({ description: 'A required variable without a default must be given by every caller.' }),
    maxLength: z.number().int().min(1).max(LIMITS.personality).default(200).meta({ description: 'Longest value, in characters (of its text form).' }),
    pattern: z
      .string()
      .min(1)
      .max(500)
      .refine(compiles, { message: 'not a valid regular expression' })
      .optional()
      .meta({ description: 'A regular expression the whole value must match (JavaScript syntax, u flag).' }),
    enum: z.array(z.string().max(LIMITS.personality)).min(1).max(100).optional().meta({ description: 'The only values allowed.' }),
    multiline: z.boolean().default(false).meta({ description: 'Allow line breaks and tabs; other control characters are always refused.' }),
    default: variableValue.optional().meta({ description: 'Used when the caller gives no value (the variable is then optional).' }),
    description: z.string().max(500).optional(),
  })
  .meta({ id: 'TemplateVariable' });

export type VariableDeclaration = z.infer<typeof variableDeclaration>;

export const templateBody = z
  .strictObject({
    id: templateId,
    description: z.string().max(1000).optional(),
    avatarId: z.string().trim().min(1).max(128).meta({ description: 'A preset avatar id or a custom avatar UUID.', example: '8d6c1f4e-6f7a-4d1e-9a6b-2f0c3b1a5e7d' }),
    personality: z.string().min(1).max(LIMITS.personality).optional().meta({ description: 'With {{variable}} placeholders. Custom avatars only.' }),
    startScript: z.string().min(1).max(LIMITS.startScript).optional().meta({ description: 'With {{variable}} placeholders. Custom avatars only.' }),
    tools: z.array(sessionTool).max(20).optional(),
    maxDuration: z.number().int().min(10).max(1800).optional().meta({ description: 'Session length in seconds; clamped to the caller\'s cap.' }),
    variables: z.record(variableName, variableDeclaration).default({}),
    clients: z
      .array(z.string().regex(/^[\w.-]{1,64}$/, 'client names are 1-64 letters, digits, _ . -'))
      .optional()
      .meta({
        description:
          'Who may start it without a context token: API-key client names, "jwt" (any signed-in caller) and/or "anonymous" ' +
          '(browsers without credentials; only templates needing no variables). Default: every API-key and JWT client. ' +
          'A valid ?ctx= context token authorizes its template by itself.',
      }),
  })
  .superRefine((template, ctx) => {
    const preset = isPresetAvatarId(template.avatarId);
    if (!preset && !isUuid(template.avatarId)) ctx.addIssue({ code: 'custom', path: ['avatarId'], message: `use a preset avatar id (${PRESET_AVATAR_IDS.join(', ')}) or a custom avatar UUID` });
    for (const field of ['personality', 'startScript'] as const) {
      const text = template[field];
      if (text === undefined) continue;
      if (preset) ctx.addIssue({ code: 'custom', path: [field], message: 'personality and startScript apply to custom avatars only, not presets' });
      for (const name of placeholders(text)) {
        if (!template.variables[name]) ctx.addIssue({ code: 'custom', path: [field], message: `{{${name}}} is not a declared variable` });
      }
    }
    for (const [name, declaration] of Object.entries(template.variables)) {
      if (declaration.type !== 'string' && (declaration.pattern || declaration.enum)) {
        ctx.addIssue({ code: 'custom', path: ['variables', name], message: 'pattern and enum apply to string variables only' });
      }
      if (declaration.default !== undefined) {
        const problem = valueProblem(declaration, declaration.default);
        if (problem) ctx.addIssue({ code: 'custom', path: ['variables', name, 'default'], message: problem });
      }
    }
  })
  .meta({ id: 'SessionTemplate', description: 'A named session whose personality and startScript are filled from each caller\'s variables.' });

export type Template = z.infer<typeof templateBody>;

export const templateResponse = z
  .object({ template: templateBody, source: z.enum(['file', 'api']).meta({ description: 'file: TEMPLATES_FILE (read-only); api: defined through this API.' }) })
  .meta({ id: 'SessionTemplateEntry' });

export const templateList = z.object({ data: z.array(templateResponse) }).meta({ id: 'SessionTemplateList' });

export const templateIdParams = z.object({ id: z.string().min(1).max(64) });

export const variablesInput = z.record(variableName, variableValue).meta({ id: 'TemplateVariables', description: 'Values of a template\'s declared variables.' });

export const previewBody = z.strictObject({ variables: variablesInput.optional() }).meta({ id: 'TemplatePreviewRequest' });

export const previewResponse = z
  .object({
    template: z.string(),
    params: z.record(z.string(), z.unknown()).meta({ description: 'Exactly what a start with these variables sends to Runway (POST /v1/realtime_sessions).' }),
    lengths: z.object({ personality: z.number().int(), startScript: z.number().int() }),
    limits: z.object({ personality: z.number().int(), startScript: z.number().int() }),
    withinLimits: z.boolean().meta({ description: 'false: a real start would be refused with 422 TEMPLATE_TOO_LONG.' }),
  })
  .meta({ id: 'TemplatePreview' });

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}
