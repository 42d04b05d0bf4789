// /v1/avatar_conversations: one per realtime session, same id.
import { Router } from 'express';
import { operation } from '../auth';
import type { EmulatorCore } from '../core';
import { httpError, parseInput } from '../errors';
import { pageQuery, paginate } from '../pagination';
import { dateTime, pathId, uuid } from './common';

const listQuery = pageQuery(20).extend({
  avatar: uuid().optional(),
  startDate: dateTime().optional(),
  endDate: dateTime().optional(),
});

export function conversationRoutes(core: EmulatorCore): Router {
  const r = Router();
  const find = (id: string) => {
    const s = core.sessions.get(id);
    if (!s || s.conversationDeleted) throw httpError(404, 'Conversation not found');
    return s;
  };

  r.get('/v1/avatar_conversations', operation(core, 'avatarConversations.list', 'apiKey'), (req, res) => {
    const q = parseInput(listQuery, req.query, 'query');
    const avatar = q.avatar?.toLowerCase();
    const items = core.sessions.conversations().filter(
      (s) =>
        (avatar === undefined || (s.avatar.type === 'custom' && s.avatar.avatarId === avatar)) &&
        (q.startDate === undefined || s.createdAt >= q.startDate) &&
        (q.endDate === undefined || s.createdAt < q.endDate),
    );
    const page = paginate(
      items,
      { key: (s) => s.createdAt, seq: (s) => s.seq, order: 'desc', limit: q.limit, cursor: q.cursor },
      (s) => core.sessions.conversationListView(s),
    );
    res.status(200).json(page);
  });

  r.get('/v1/avatar_conversations/:id', operation(core, 'avatarConversations.retrieve', 'apiKey'), (req, res) => {
    res.status(200).json(core.sessions.conversationView(find(pathId(core, req, 'Conversation'))));
  });

  r.delete('/v1/avatar_conversations/:id', operation(core, 'avatarConversations.delete', 'apiKey'), (req, res) => {
    core.sessions.deleteConversation(find(pathId(core, req, 'Conversation')));
    res.status(204).end();
  });

  return r;
}
