import { AppError, type Issue } from '../errors';
import type { Template, VariableDeclaration } from './schemas';

// Logic-less substitution: {{name}} becomes the variable's text, in one pass, so a value that
// itself contains {{other}} or markup reaches Runway literally and is never rendered again.

/** Runway's limits on the per-session fields (@runwayml/sdk RealtimeSessionCreateParams). */
export const LIMITS = { personality: 10_000, startScript: 2_000 } as const;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

export interface ResolveOptions {
  /** Drop values the template does not declare instead of refusing them (a JWT carries data for many templates). */
  ignoreUnknown?: boolean;
}

/** Checks the caller's values against the template's declarations; 400 naming each variable at fault. */
export function resolveVariables(template: Template, input: Record<string, unknown>, options: ResolveOptions = {}): Record<string, string> {
  const issues: Issue[] = [];
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(template.variables, name) && !options.ignoreUnknown) issues.push({ path: `variables.${name}`, message: `"${name}" is not a variable of template "${template.id}".` });
  }
  for (const [name, declaration] of Object.entries(template.variables)) {
    const given = Object.hasOwn(input, name) ? input[name] : undefined;
    const value = given ?? declaration.default;
    if (value === undefined) {
      if (declaration.required) issues.push({ path: `variables.${name}`, message: `"${name}" is required.` });
      values[name] = '';
      continue;
    }
    const problem = valueProblem(declaration, value);
    if (problem) issues.push({ path: `variables.${name}`, message: `"${name}": ${problem}.` });
    else values[name] = String(value);
  }
  if (issues.length) {
    throw new AppError('INVALID_REQUEST', `The variables do not fit template "${template.id}": ${issues.map((i) => i.path).join(', ')}.`, { issues });
  }
  return values;
}

export interface Rendered {
  personality?: string;
  startScript?: string;
}

export function render(template: Template, values: Record<string, string>): Rendered {
  const fill = (text: string) => text.replace(PLACEHOLDER, (_match, name: string) => values[name] ?? '');
  return {
    ...(template.personality !== undefined ? { personality: fill(template.personality) } : {}),
    ...(template.startScript !== undefined ? { startScript: fill(template.startScript) } : {}),
  };
}

export function lengthsOf(rendered: Rendered) {
  return { personality: rendered.personality?.length ?? 0, startScript: rendered.startScript?.length ?? 0 };
}

export function withinLimits(rendered: Rendered): boolean {
  const lengths = lengthsOf(rendered);
  return lengths.personality <= LIMITS.personality && lengths.startScript <= LIMITS.startScript;
}

/** 422 before any upstream call, with the lengths, when the rendered text is longer than Runway accepts. */
export function assertWithinLimits(template: Template, rendered: Rendered): void {
  if (withinLimits(rendered)) return;
  const lengths = lengthsOf(rendered);
  throw new AppError(
    'TEMPLATE_TOO_LONG',
    `Template "${template.id}" renders to personality ${lengths.personality}/${LIMITS.personality} and startScript ${lengths.startScript}/${LIMITS.startScript} characters.`,
    { details: { lengths, limits: LIMITS } },
  );
}

/** Why a value does not fit its declaration, or undefined when it does. */
export function valueProblem(declaration: VariableDeclaration, value: unknown): string | undefined {
  switch (declaration.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : 'expected an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'expected a number';
    case 'string': {
      if (typeof value !== 'string') return 'expected a string';
      if (value.length > declaration.maxLength) return `at most ${declaration.maxLength} characters (got ${value.length})`;
      const controls = declaration.multiline ? /[\u0000-\u0008\u000b-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/;
      if (controls.test(value)) return declaration.multiline ? 'control characters are not allowed' : 'line breaks and control characters are not allowed';
      if (declaration.enum && !declaration.enum.includes(value)) return `one of: ${declaration.enum.join(', ')}`;
      if (declaration.pattern && !new RegExp(`^(?:${declaration.pattern})$`, 'u').test(value)) return 'does not match the required pattern';
      return undefined;
    }
  }
}
