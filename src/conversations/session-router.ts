import { Router } from 'express';
import { requireScope } from '../http/auth';
import type { ConversationsApi } from '../runway/conversations';
import { ownedRecord } from '../sessions/ownership';
import type { SessionRegistry } from '../store/registry';
import { sendConversation } from './transcript';

/**
 * GET /api/avatar/session/{id}/conversation: the frontend that started a session may read that
 * session's conversation without an admin key. Ownership is the session registry's `owner`; anyone
 * else gets the same 404 as for an unknown session.
 */
export function sessionConversationRouter({ registry, conversations }: { registry: SessionRegistry; conversations: ConversationsApi }): Router {
  const router = Router();
  router.get('/api/avatar/session/:id/conversation', requireScope('sessions:read'), async (req, res) => {
    const record = await ownedRecord(registry, req.params.id, req.client);
    sendConversation(res, await conversations.retrieve(record.id));
  });
  return router;
}
