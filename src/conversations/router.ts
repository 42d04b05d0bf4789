import { Router } from 'express';
import { requireScope } from '../http/auth';
import { parse } from '../http/validate';
import type { ConversationsApi } from '../runway/conversations';
import { toIso } from '../http/admin';
import { conversationIdParams, listConversationsQuery, transcriptQuery } from './schemas';
import { sendConversation, transcriptJson, transcriptText } from './transcript';

/** /api/conversations: Runway's record of each session, with transcript export. */
export function conversationsRouter({ conversations }: { conversations: ConversationsApi }): Router {
  const router = Router();
  router.use(requireScope('admin'));

  router.get('/', async (req, res) => {
    const { avatarId, startDate, endDate, ...page } = parse(listConversationsQuery, req.query, 'query');
    res.json(
      await conversations.list({
        ...page,
        ...(avatarId !== undefined ? { avatar: avatarId } : {}),
        ...(startDate !== undefined ? { startDate: toIso(startDate) } : {}),
        ...(endDate !== undefined ? { endDate: toIso(endDate) } : {}),
      }),
    );
  });

  router.get('/:id', async (req, res) => {
    const { id } = parse(conversationIdParams, req.params, 'conversation id');
    sendConversation(res, await conversations.retrieve(id));
  });

  router.get('/:id/transcript', async (req, res) => {
    const { id } = parse(conversationIdParams, req.params, 'conversation id');
    const { format } = parse(transcriptQuery, req.query, 'query');
    const conversation = await conversations.retrieve(id);
    res.setHeader('Cache-Control', 'no-store');
    res.attachment(`conversation-${conversation.id}.${format}`);
    if (format === 'txt') res.type('text/plain; charset=utf-8').send(transcriptText(conversation));
    else res.json(transcriptJson(conversation));
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parse(conversationIdParams, req.params, 'conversation id');
    await conversations.delete(id);
    res.status(204).end();
  });

  return router;
}
