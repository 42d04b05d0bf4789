import express, { Router } from 'express';
import type { Config } from '../config';
import { idParams } from '../http/admin';
import { requireScope } from '../http/auth';
import { parse } from '../http/validate';
import type { Knowledge } from './knowledge';
import { attachBody, attachmentParams } from './schemas';

const avatarIdParams = idParams('Avatar');

/**
 * /api/avatars/{id}/documents: attach and detach documents without re-sending the whole list.
 * Mounted at /api/avatars ahead of the avatars router; its body parser is per route so it does not
 * impose its smaller limit on the avatars router's data: URIs.
 */
export function knowledgeRouter({ config, knowledge }: { config: Config; knowledge: Knowledge }): Router {
  const router = Router();
  const json = express.json({ limit: config.MANAGEMENT_JSON_BODY_LIMIT });

  router.get('/:id/documents', requireScope('admin'), async (req, res) => {
    const { id } = parse(avatarIdParams, req.params, 'avatar id');
    res.json(await knowledge.view(id));
  });

  router.post('/:id/documents', requireScope('admin'), json, async (req, res) => {
    const { id } = parse(avatarIdParams, req.params, 'avatar id');
    const { documentIds } = parse(attachBody, req.body, 'attach request');
    res.json(await knowledge.attach(id, documentIds));
  });

  router.delete('/:id/documents/:documentId', requireScope('admin'), async (req, res) => {
    const { id, documentId } = parse(attachmentParams, req.params, 'ids');
    res.json(await knowledge.detach(id, documentId));
  });

  return router;
}
