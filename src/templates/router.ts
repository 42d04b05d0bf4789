import express, { Router } from 'express';
import type { Config } from '../config';
import { AppError } from '../errors';
import { requireScope } from '../http/auth';
import { parse, requireJsonBody } from '../http/validate';
import { notFound, type CatalogEntry, type TemplateCatalog } from './catalog';
import { LIMITS, lengthsOf, render, resolveVariables, withinLimits } from './render';
import { previewBody, templateBody, templateIdParams } from './schemas';
import { templateParams } from './start';

export interface TemplatesRouterDeps {
  config: Pick<Config, 'MANAGEMENT_JSON_BODY_LIMIT' | 'SESSION_DEFAULT_MAX_DURATION_S' | 'SESSION_MAX_DURATION_CAP_S'>;
  catalog: TemplateCatalog;
}

/** /api/templates: admin CRUD over session templates, and a preview that renders without starting anything. */
export function templatesRouter({ config, catalog }: TemplatesRouterDeps): Router {
  const router = Router();
  router.use(requireScope('admin'));
  router.use(requireJsonBody, express.json({ limit: config.MANAGEMENT_JSON_BODY_LIMIT }));

  router.get('/', async (_req, res) => {
    res.json({ data: (await catalog.list()).map(view) });
  });

  router.post('/', async (req, res) => {
    const template = parse(templateBody, req.body, 'template');
    await catalog.create(template);
    res.status(201).location(`/api/templates/${template.id}`).json(view({ template, source: 'api' }));
  });

  router.get('/:id', async (req, res) => {
    res.json(view(await find(catalog, req.params.id)));
  });

  router.put('/:id', async (req, res) => {
    const { id } = parse(templateIdParams, req.params, 'template id');
    const input = (req.body ?? {}) as Record<string, unknown>;
    if (input.id !== undefined && input.id !== id) throw new AppError('INVALID_REQUEST', 'The body\'s id differs from the URL\'s.', { issues: [{ path: 'id', message: `Expected "${id}".` }] });
    const template = parse(templateBody, { ...input, id }, 'template');
    await catalog.replace(template);
    res.json(view({ template, source: 'api' }));
  });

  router.delete('/:id', async (req, res) => {
    await catalog.delete(parse(templateIdParams, req.params, 'template id').id);
    res.status(204).end();
  });

  // What an admin key (cap SESSION_MAX_DURATION_CAP_S) starting it with these variables would send.
  router.post('/:id/preview', async (req, res) => {
    const { template } = await find(catalog, req.params.id);
    const { variables = {} } = parse(previewBody, req.body, 'preview request');
    const rendered = render(template, resolveVariables(template, variables));
    const maxDuration = Math.min(template.maxDuration ?? config.SESSION_DEFAULT_MAX_DURATION_S, config.SESSION_MAX_DURATION_CAP_S);
    res.json({ template: template.id, params: templateParams(template, rendered, maxDuration), lengths: lengthsOf(rendered), limits: LIMITS, withinLimits: withinLimits(rendered) });
  });

  return router;
}

async function find(catalog: TemplateCatalog, rawId: string): Promise<CatalogEntry> {
  const { id } = parse(templateIdParams, { id: rawId }, 'template id');
  const entry = await catalog.get(id);
  if (!entry) throw notFound(id);
  return entry;
}

const view = ({ template, source }: CatalogEntry) => ({ template, source });
