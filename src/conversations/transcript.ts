import type { Response } from 'express';
import type { Conversation } from '../runway/conversations';

type Entry = Conversation['transcript'][number];

/** The transcript as JSON: the conversation's facts plus its entries, tool calls and results included. */
export function transcriptJson(conversation: Conversation) {
  return {
    conversationId: conversation.id,
    name: conversation.name,
    status: conversation.status,
    avatar: conversation.avatar,
    createdAt: conversation.createdAt,
    startedAt: conversation.startedAt,
    endedAt: 'endedAt' in conversation ? conversation.endedAt : null,
    duration: conversation.duration,
    entries: conversation.transcript,
  };
}

const speaker = (role: Entry['role']) => (role === 'assistant' ? 'Avatar' : 'User');
const compact = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/**
 * The transcript as plain text, one line per utterance, for reading or pasting into a ticket:
 *   [2026-09-01T10:00:00.000Z] Avatar: Hello!
 *   [2026-09-01T10:00:02.000Z] Avatar → lookup_order({"id":"42"})
 *   [2026-09-01T10:00:02.000Z] lookup_order ← {"status":"shipped"} (120 ms)
 */
export function transcriptText(conversation: Conversation): string {
  const lines = [
    `# ${conversation.name}`,
    `# conversation ${conversation.id}, ${conversation.status}, created ${conversation.createdAt}` +
      (conversation.duration === null ? '' : `, ${conversation.duration} s`),
    '',
  ];
  for (const entry of conversation.transcript) {
    const at = `[${entry.timestamp ?? 'time unknown'}]`;
    if (entry.content !== null) lines.push(`${at} ${speaker(entry.role)}: ${entry.content.replace(/\r?\n/g, '\n    ')}`);
    for (const call of entry.toolCalls ?? []) lines.push(`${at} ${speaker(entry.role)} → ${call.name}(${JSON.stringify(call.arguments)})`);
    for (const result of entry.toolResults ?? []) {
      const outcome = result.error ? `error: ${result.error}` : compact(result.result);
      const took = typeof result.durationMs === 'number' ? ` (${result.durationMs} ms)` : '';
      lines.push(`${at} ${result.name} ← ${outcome}${took}`);
    }
  }
  if (conversation.transcript.length === 0) lines.push('(no transcript yet)');
  return `${lines.join('\n')}\n`;
}

/** The recording URL is a short-lived signed link: never let a cache keep it. */
export function sendConversation(res: Response, conversation: Conversation): void {
  res.setHeader('Cache-Control', 'no-store');
  res.json(conversation);
}
