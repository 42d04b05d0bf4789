import { readFileSync } from 'node:fs';
import { AppError } from '../errors';
import type { TemplateDocument, TemplateStore } from '../store/templates';
import { templateBody, type Template } from './schemas';

// Every template the broker knows: those of TEMPLATES_FILE (each replica reads the same file, and
// they are read-only through the API) and those defined through the admin API (in the shared
// store). Template ids are unique across both, so every replica resolves an id the same way.

export class TemplatesFileError extends Error {}

export interface CatalogEntry {
  template: Template;
  source: 'file' | 'api';
}

export class TemplateCatalog {
  private readonly fromFile: Map<string, Template>;

  constructor(
    private readonly store: TemplateStore,
    fileTemplates: Template[] = [],
  ) {
    this.fromFile = new Map(fileTemplates.map((t) => [t.id, t]));
  }

  async get(id: string): Promise<CatalogEntry | undefined> {
    const file = this.fromFile.get(id);
    if (file) return { template: file, source: 'file' };
    const doc = await this.store.get(id);
    return doc ? { template: stored(doc), source: 'api' } : undefined;
  }

  async list(): Promise<CatalogEntry[]> {
    const api = (await this.store.list()).filter((doc) => !this.fromFile.has(doc.id)).map((doc) => ({ template: stored(doc), source: 'api' as const }));
    const file = [...this.fromFile.values()].map((template) => ({ template, source: 'file' as const }));
    return [...file, ...api].sort((a, b) => a.template.id.localeCompare(b.template.id));
  }

  async create(template: Template): Promise<void> {
    if (this.fromFile.has(template.id)) throw readOnly(template.id);
    if (!(await this.store.create(template))) throw new AppError('TEMPLATE_CONFLICT', `A template "${template.id}" already exists; replace it with PUT.`);
  }

  async replace(template: Template): Promise<void> {
    if (this.fromFile.has(template.id)) throw readOnly(template.id);
    if (!(await this.store.replace(template))) throw notFound(template.id);
  }

  async delete(id: string): Promise<void> {
    if (this.fromFile.has(id)) throw readOnly(id);
    if (!(await this.store.delete(id))) throw notFound(id);
  }
}

export const notFound = (id: string) => new AppError('TEMPLATE_NOT_FOUND', `There is no session template "${id}".`);
const readOnly = (id: string) => new AppError('TEMPLATE_CONFLICT', `Template "${id}" is defined in TEMPLATES_FILE and is read-only here; change the file.`);

/** Stored documents were validated when written; a later, stricter schema must not crash a start. */
function stored(doc: TemplateDocument): Template {
  const parsed = templateBody.safeParse(doc);
  if (!parsed.success) throw new AppError('INTERNAL', `Stored template "${doc.id}" no longer validates; replace it.`);
  return parsed.data;
}

// yaml costs ~45 ms at boot: loaded only when TEMPLATES_FILE is YAML.
function parseYaml(text: string): unknown {
  return (require('yaml') as typeof import('yaml')).parse(text);
}

/**
 * Reads TEMPLATES_FILE: a list of templates, or {templates: [...]}, as JSON (.json) or YAML. Every
 * problem names the template and the field; duplicate ids are refused.
 */
export function loadTemplatesFile(path: string | undefined, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Template[] {
  if (!path) return [];
  let data: unknown;
  try {
    const text = readFile(path);
    data = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new TemplatesFileError(`TEMPLATES_FILE ${path}: cannot be read as ${/\.json$/i.test(path) ? 'JSON' : 'YAML'} (${(err as Error).message})`);
  }
  const list = Array.isArray(data) ? data : (data as { templates?: unknown } | null)?.templates;
  if (!Array.isArray(list)) throw new TemplatesFileError(`TEMPLATES_FILE ${path}: expected a list of templates (or {templates: [...]})`);
  const problems: string[] = [];
  const templates: Template[] = [];
  list.forEach((entry, index) => {
    const name = typeof (entry as { id?: unknown })?.id === 'string' ? `template "${(entry as { id: string }).id}"` : `template #${index + 1}`;
    const parsed = templateBody.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${name}: ${issue.path.join('.') || '(template)'}: ${issue.message}`);
      return;
    }
    if (templates.some((t) => t.id === parsed.data.id)) problems.push(`${name}: id: used twice`);
    templates.push(parsed.data);
  });
  if (problems.length) throw new TemplatesFileError(`TEMPLATES_FILE ${path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return templates;
}
