import type { Router } from 'express';
import type { Config } from './config';
import { avatarsRouter } from './avatars/router';
import { conversationsRouter } from './conversations/router';
import { Knowledge } from './documents/knowledge';
import { knowledgeRouter } from './documents/knowledge-router';
import { documentsRouter } from './documents/router';
import { AvatarsApi } from './runway/avatars';
import type { ConversationsApi } from './runway/conversations';
import { DocumentsApi } from './runway/documents';
import { UploadsApi } from './runway/uploads';
import type { Upstream } from './runway/upstream';

// Management API (issue 4): admin routes over Runway's avatars, documents and conversations. app.ts
// requires this module on the first request under one of their prefixes: sessions never need it.

export interface ManagementRouters {
  knowledge: Router;
  avatars: Router;
  documents: Router;
  conversations: Router;
}

export function managementRouters(config: Config, upstream: Upstream, conversations: ConversationsApi): ManagementRouters {
  const avatars = new AvatarsApi(upstream);
  const documents = new DocumentsApi(upstream);
  const knowledge = new Knowledge({ avatars, documents, tokenBudget: config.KNOWLEDGE_TOKEN_BUDGET });
  return {
    knowledge: knowledgeRouter({ config, knowledge }),
    avatars: avatarsRouter({ config, avatars, uploads: new UploadsApi(upstream), knowledge }),
    documents: documentsRouter({ config, documents, knowledge }),
    conversations: conversationsRouter({ conversations }),
  };
}
