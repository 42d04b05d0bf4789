// /v1/documents (knowledge). `usedBy` is derived from the avatars' documentIds.
import { Router } from 'express';
import { z } from 'zod';
import { operation } from '../auth';
import type { EmulatorCore } from '../core';
import { httpError, parseInput } from '../errors';
import { pageQuery, paginate } from '../pagination';
import { atLeastOne, pathId } from './common';

const name = z.string().min(1).max(255);
const content = z.string().min(1).max(200_000);
const createBody = z.strictObject({ name, content });
const updateBody = z
  .strictObject({ name: name.optional(), content: content.optional() })
  .refine(atLeastOne, { message: 'At least one of name or content must be provided' });
const listQuery = pageQuery(50).extend({
  sort: z.enum(['createdAt', 'updatedAt']).default('createdAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

export function documentRoutes(core: EmulatorCore): Router {
  const r = Router();
  const find = (id: string) => {
    const d = core.documents.get(id);
    if (!d) throw httpError(404, 'Document not found');
    return d;
  };

  r.post('/v1/documents', operation(core, 'documents.create', 'apiKey'), (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    res.status(200).json(core.documents.view(core.documents.create(body), true));
  });

  r.get('/v1/documents', operation(core, 'documents.list', 'apiKey'), (req, res) => {
    const q = parseInput(listQuery, req.query, 'query');
    const page = paginate(
      core.documents.all(),
      { key: (d) => d[q.sort], seq: (d) => d.seq, order: q.order, limit: q.limit, cursor: q.cursor },
      (d) => core.documents.view(d, false),
    );
    res.status(200).json(page);
  });

  r.get('/v1/documents/:id', operation(core, 'documents.retrieve', 'apiKey'), (req, res) => {
    res.status(200).json(core.documents.view(find(pathId(core, req, 'Document')), true));
  });

  r.patch('/v1/documents/:id', operation(core, 'documents.update', 'apiKey'), (req, res) => {
    const doc = find(pathId(core, req, 'Document'));
    core.documents.update(doc, parseInput(updateBody, req.body, 'body'));
    res.status(204).end();
  });

  r.delete('/v1/documents/:id', operation(core, 'documents.delete', 'apiKey'), (req, res) => {
    if (!core.documents.delete(pathId(core, req, 'Document'))) throw httpError(404, 'Document not found');
    res.status(204).end();
  });

  return r;
}
