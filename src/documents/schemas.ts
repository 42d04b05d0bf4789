import { z } from 'zod';
import { pageOf, pageQuery, resourceId } from '../http/admin';
import { documentIds } from './ids';
import { TOKENIZER } from './tokens';

// Limits mirror Runway's schema (reference §7).

export const documentIdParams = z.object({ id: resourceId('Document') });
export const attachmentParams = z.object({ id: resourceId('Avatar'), documentId: resourceId('Document') });

const name = z.string().min(1).max(255);
const content = z.string().min(1).max(200_000).meta({ description: 'Markdown or plain text, up to 200,000 characters.' });

export const createDocumentBody = z
  .strictObject({ name, content })
  .meta({ id: 'CreateDocumentRequest', example: { name: 'Opening hours', content: '# Opening hours\n\nMon–Fri 9:00–17:00.' } });

export const updateDocumentBody = z
  .strictObject({ name: name.optional(), content: content.optional() })
  .refine((b) => b.name !== undefined || b.content !== undefined, { message: 'Give name, content or both.', path: ['(body)'] })
  .meta({ id: 'UpdateDocumentRequest', example: { content: '# Opening hours\n\nMon–Sat 9:00–17:00.' } });

const textFile = z.string().meta({ format: 'binary', description: 'A UTF-8 .txt or .md file (≤ 200,000 characters).' });
export const createDocumentForm = z
  .object({ file: textFile, name: name.optional().meta({ description: 'Defaults to the file name without its extension.' }) })
  .meta({ id: 'CreateDocumentForm' });
export const updateDocumentForm = z.object({ file: textFile.optional(), name: name.optional() }).meta({ id: 'UpdateDocumentForm' });

export const listDocumentsQuery = pageQuery(50).extend({
  sort: z.enum(['createdAt', 'updatedAt']).default('createdAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

export const attachBody = z
  .strictObject({ documentIds: documentIds.min(1) })
  .meta({ id: 'AttachDocumentsRequest', example: { documentIds: ['0f8fad5b-d9cb-469f-a165-70867728950e'] } });

const usedBy = z.array(z.object({ id: z.uuid(), name: z.string(), imageUrl: z.string().nullable() }));

export const documentResponse = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(['text', 'file']),
    content: z.string(),
    tokenCount: z.number().int().meta({ description: `Estimated tokens (${TOKENIZER}); Runway does not publish its tokenizer.` }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    usedBy,
  })
  .meta({ id: 'Document' });

export const documentSummary = z
  .object({ id: z.uuid(), name: z.string(), type: z.enum(['text', 'file']), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime(), usedBy })
  .meta({ id: 'DocumentSummary', description: 'List items carry no content (and so no tokenCount).' });

export const documentPage = pageOf(documentSummary, 'DocumentPage');

export const knowledgeResponse = z
  .object({
    avatarId: z.uuid(),
    documentIds: z.array(z.uuid()),
    documents: z.array(z.object({ id: z.uuid(), name: z.string(), tokenCount: z.number().int() })),
    budget: z.object({
      tokenizer: z.string().meta({ example: TOKENIZER }),
      estimate: z.literal(true).meta({ description: 'Token counts are estimates.' }),
      tokenLimit: z.number().int(),
      tokensUsed: z.number().int(),
      tokensRemaining: z.number().int(),
      documentLimit: z.number().int(),
      documentsUsed: z.number().int(),
      documentsRemaining: z.number().int(),
    }),
  })
  .meta({ id: 'AvatarKnowledge', description: "An avatar's documents with their token counts, and what is left of its budget." });
