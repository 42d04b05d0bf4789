import type {
  AvatarConversationListParams,
  AvatarConversationListResponse,
  AvatarConversationRetrieveResponse,
} from '@runwayml/sdk/resources/avatar-conversations';
import { notFoundAs, toPage, type Page } from './avatars';
import * as shape from './shapes';
import { checked } from './shapes';
import type { CallOptions, Upstream } from './upstream';

export type Conversation = AvatarConversationRetrieveResponse;
export type ConversationSummary = AvatarConversationListResponse;
export type ConversationListQuery = AvatarConversationListParams;

export const conversationNotFound = (id: string) => `Conversation ${id} does not exist.`;

/** Runway's avatar conversations: one per realtime session, with the same id. */
export class ConversationsApi {
  constructor(private readonly upstream: Upstream) {}

  async list(query: ConversationListQuery, options: CallOptions = {}): Promise<Page<ConversationSummary>> {
    const page = await this.upstream.idempotent(
      'conversations.list',
      ({ signal, timeout }) => this.upstream.sdk.avatarConversations.list(query, { signal, timeout }),
      { what: 'listing conversations', ...options },
    );
    return toPage(this.checked<typeof page>(shape.page(shape.conversationSummary), 'conversations.list', 'listing conversations')(page));
  }

  /** Always asks Runway, so the recordingUrl in the answer is a fresh one. */
  retrieve(id: string, options: CallOptions = {}): Promise<Conversation> {
    const call = this.upstream.idempotent(
      'conversations.retrieve',
      ({ signal, timeout }) => this.upstream.sdk.avatarConversations.retrieve(id, { signal, timeout }),
      { what: 'reading the conversation', ...options },
    );
    return notFoundAs(call, 'CONVERSATION_NOT_FOUND', conversationNotFound(id)).then(
      this.checked<Conversation>(shape.conversation, 'conversations.retrieve', 'reading the conversation'),
    );
  }

  delete(id: string, options: CallOptions = {}): Promise<void> {
    const call = this.upstream.idempotent(
      'conversations.delete',
      async ({ signal, timeout }) => {
        await this.upstream.sdk.avatarConversations.delete(id, { signal, timeout });
      },
      { what: 'deleting the conversation', ...options },
    );
    return notFoundAs(call, 'CONVERSATION_NOT_FOUND', conversationNotFound(id));
  }
  /** `value` if it has the shape we read, else 502 UPSTREAM_INVALID_RESPONSE (see shapes.ts). */
  private checked<T>(schema: Parameters<typeof checked>[0], op: string, what: string): (value: T) => T {
    return (value) => checked(schema, value, what, { logger: this.upstream.options.logger, op });
  }
}
