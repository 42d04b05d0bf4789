import express, { Router } from 'express';
import type { Config } from '../config';
import { formFields, jsonOrMultipart, multipartFile } from '../http/multipart';
import { AppError } from '../errors';
import { requireScope } from '../http/auth';
import { parse } from '../http/validate';
import type { DocumentsApi, KnowledgeDocument } from '../runway/documents';
import type { Knowledge } from './knowledge';
import { createDocumentBody, documentIdParams, listDocumentsQuery, updateDocumentBody } from './schemas';
import { FILE_FIELD, MAX_TEXT_FILE_BYTES, readTextFile } from './text-file';

export interface DocumentsRouterDeps {
  config: Config;
  documents: DocumentsApi;
  knowledge: Knowledge;
}

/** /api/documents: knowledge documents, from JSON or from an uploaded .txt/.md file. */
export function documentsRouter({ config, documents, knowledge }: DocumentsRouterDeps): Router {
  const router = Router();
  router.use(requireScope('admin'));
  router.use(jsonOrMultipart());
  router.use(express.json({ limit: config.MANAGEMENT_JSON_BODY_LIMIT }));
  router.use(multipartFile({ field: FILE_FIELD, maxBytes: MAX_TEXT_FILE_BYTES, label: 'The file' }));

  const withTokens = (doc: KnowledgeDocument) => ({ ...doc, tokenCount: knowledge.tokensOf(doc) });

  /** JSON fields, with an uploaded file standing in for `content` (and naming the document by default). */
  function input(req: express.Request): Record<string, unknown> {
    const fields = formFields(req.body, []);
    if (!req.file) return fields;
    if (fields.content !== undefined) {
      throw new AppError('INVALID_REQUEST', 'Give the content once: either content or an uploaded file.', {
        issues: [{ path: 'content', message: `Not allowed together with an uploaded "${FILE_FIELD}".` }],
      });
    }
    const file = readTextFile(req.file);
    return { ...fields, content: file.content, ...(req.method === 'POST' && fields.name === undefined ? { name: file.name } : {}) };
  }

  router.post('/', async (req, res) => {
    const body = parse(createDocumentBody, input(req), 'document');
    res.status(201).json(withTokens(await documents.create(body)));
  });

  router.get('/', async (req, res) => {
    const query = parse(listDocumentsQuery, req.query, 'query');
    res.json(await documents.list(query));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parse(documentIdParams, req.params, 'document id');
    res.json(withTokens(await documents.retrieve(id)));
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parse(documentIdParams, req.params, 'document id');
    const body = parse(updateDocumentBody, input(req), 'document update');
    if (body.content === undefined) {
      await documents.update(id, body);
    } else {
      // New content changes the budget of every avatar using the document: check them all first,
      // holding their knowledge locks so an attach cannot slip in between the check and the write.
      const content = body.content;
      const { usedBy } = await documents.retrieve(id);
      await knowledge.lockedAll(
        usedBy.map((a) => a.id),
        async () => {
          const fresh = await documents.retrieve(id);
          for (const avatar of fresh.usedBy) {
            const { documentIds } = await knowledge.avatarDocuments(avatar.id);
            await knowledge.check(documentIds, { avatarId: avatar.id, replaced: new Map([[id, content]]) });
          }
          await documents.update(id, body);
        },
      );
    }
    res.json(withTokens(await documents.retrieve(id)));
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parse(documentIdParams, req.params, 'document id');
    await documents.delete(id);
    res.status(204).end();
  });

  return router;
}
