import { AppError } from '../errors';
import type { Avatar, AvatarsApi } from '../runway/avatars';
import type { DocumentsApi } from '../runway/documents';
import { KeyedMutex } from './mutex';
import { TOKENIZER, TokenCounter, tokenCount as countText } from './tokens';

/** Runway's schema limit on documentIds per avatar. */
export const MAX_DOCUMENTS_PER_AVATAR = 50;

// Another writer (a second broker instance, the Runway portal) can change documentIds between our
// write and our re-read; we re-apply the change on the fresh list a few times before giving up.
const WRITE_ATTEMPTS = 3;
const FETCH_CONCURRENCY = 8;

export interface DocumentTokens {
  id: string;
  name: string;
  tokenCount: number;
}

export interface KnowledgeBudget {
  tokenizer: string;
  estimate: true;
  tokenLimit: number;
  tokensUsed: number;
  tokensRemaining: number;
  documentLimit: number;
  documentsUsed: number;
  documentsRemaining: number;
}

export interface KnowledgeView {
  avatarId: string;
  documentIds: string[];
  documents: DocumentTokens[];
  budget: KnowledgeBudget;
}

export interface KnowledgeOptions {
  avatars: AvatarsApi;
  documents: DocumentsApi;
  tokenBudget: number;
  maxDocuments?: number;
}

const unique = (ids: string[]) => [...new Set(ids.map((id) => id.toLowerCase()))];
const sameSet = (a: string[], b: string[]) => a.length === b.length && unique(a).every((id) => b.includes(id));

/**
 * An avatar's knowledge: which documents it has, what they cost in tokens, and safe attach/detach.
 * Runway's `documentIds` replaces the whole list, so every change here is a read-modify-write,
 * serialised per avatar (in this process) and verified by reading the avatar back.
 */
export class Knowledge {
  private readonly mutex = new KeyedMutex();
  private readonly counter = new TokenCounter();
  private readonly maxDocuments: number;

  constructor(private readonly options: KnowledgeOptions) {
    this.maxDocuments = options.maxDocuments ?? MAX_DOCUMENTS_PER_AVATAR;
  }

  /** Runs work holding the avatar's knowledge lock: use it for any write of documentIds. */
  locked<T>(avatarId: string, work: () => Promise<T>): Promise<T> {
    return this.mutex.run(avatarId.toLowerCase(), work);
  }

  /** Holds several avatars' locks (e.g. while a shared document's content changes). */
  lockedAll<T>(avatarIds: string[], work: () => Promise<T>): Promise<T> {
    return this.mutex.runAll(
      avatarIds.map((id) => id.toLowerCase()),
      work,
    );
  }

  tokensOf(doc: { id: string; updatedAt: string; content: string }): number {
    return this.counter.count(doc);
  }

  /** Name and token count of each document; `replaced` stands in new content for some ids. */
  async measure(ids: string[], replaced: ReadonlyMap<string, string> = new Map()): Promise<DocumentTokens[]> {
    const list = unique(ids);
    const out: DocumentTokens[] = new Array(list.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < list.length; i = next++) {
        const doc = await this.options.documents.retrieve(list[i]!);
        const content = replaced.get(doc.id.toLowerCase());
        out[i] = { id: doc.id, name: doc.name, tokenCount: content === undefined ? this.counter.count(doc) : countText(content) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, list.length) }, worker));
    return out;
  }

  budget(docs: DocumentTokens[]): KnowledgeBudget {
    const tokensUsed = docs.reduce((sum, d) => sum + d.tokenCount, 0);
    return {
      tokenizer: TOKENIZER,
      estimate: true,
      tokenLimit: this.options.tokenBudget,
      tokensUsed,
      tokensRemaining: this.options.tokenBudget - tokensUsed,
      documentLimit: this.maxDocuments,
      documentsUsed: docs.length,
      documentsRemaining: this.maxDocuments - docs.length,
    };
  }

  /** Measures the documents an avatar would have and refuses, before any write, if they do not fit. */
  async check(ids: string[], context: { avatarId?: string; replaced?: ReadonlyMap<string, string> } = {}): Promise<DocumentTokens[]> {
    const list = unique(ids);
    if (list.length > this.maxDocuments) {
      throw new AppError('KNOWLEDGE_BUDGET_EXCEEDED', `An avatar can have at most ${this.maxDocuments} documents; this would give it ${list.length}.`, {
        details: { ...(context.avatarId ? { avatarId: context.avatarId } : {}), documentLimit: this.maxDocuments, documentsRequested: list.length },
      });
    }
    const docs = await this.measure(list, context.replaced);
    const { tokensUsed, tokenLimit } = this.budget(docs);
    if (tokensUsed > tokenLimit) {
      throw new AppError(
        'KNOWLEDGE_BUDGET_EXCEEDED',
        `These documents hold about ${tokensUsed} tokens, ${tokensUsed - tokenLimit} over the avatar's budget of ${tokenLimit} (estimated with ${TOKENIZER}).`,
        {
          details: {
            ...(context.avatarId ? { avatarId: context.avatarId } : {}),
            tokenizer: TOKENIZER,
            tokenLimit,
            tokensRequested: tokensUsed,
            tokensOver: tokensUsed - tokenLimit,
            documentLimit: this.maxDocuments,
            documentsRequested: docs.length,
            documents: docs,
          },
        },
      );
    }
    return docs;
  }

  /** The avatar's current document ids, read from Runway. */
  async avatarDocuments(avatarId: string): Promise<{ documentIds: string[] }> {
    const avatar = await this.options.avatars.retrieve(avatarId);
    return { documentIds: unique(avatar.documentIds) };
  }

  async view(avatarId: string): Promise<KnowledgeView> {
    return this.viewOf(await this.options.avatars.retrieve(avatarId));
  }

  /** Adds documents to the avatar's list, keeping what is there; a no-op for ones already attached. */
  attach(avatarId: string, documentIds: string[]): Promise<KnowledgeView> {
    const wanted = unique(documentIds);
    return this.locked(avatarId, () =>
      this.rewrite(avatarId, {
        next: (current) => unique([...current, ...wanted]),
        done: (ids) => wanted.every((id) => ids.includes(id)),
      }),
    );
  }

  /** Removes one document from the avatar's list (the document itself stays). */
  detach(avatarId: string, documentId: string): Promise<KnowledgeView> {
    const gone = documentId.toLowerCase();
    return this.locked(avatarId, () =>
      this.rewrite(avatarId, {
        next: (current) => {
          if (!current.includes(gone)) {
            throw new AppError('DOCUMENT_NOT_FOUND', `Document ${documentId} is not attached to avatar ${avatarId}.`, { details: { avatarId, documentId } });
          }
          return current.filter((id) => id !== gone);
        },
        done: (ids) => !ids.includes(gone),
      }),
    );
  }

  private async rewrite(avatarId: string, change: { next: (current: string[]) => string[]; done: (ids: string[]) => boolean }): Promise<KnowledgeView> {
    const { avatars } = this.options;
    let avatar = await avatars.retrieve(avatarId);
    for (let attempt = 1; ; attempt++) {
      const current = unique(avatar.documentIds);
      const next = change.next(current);
      if (sameSet(next, current)) return this.viewOf(avatar);
      const docs = await this.check(next, { avatarId });
      await avatars.update(avatarId, { documentIds: next });
      avatar = await avatars.retrieve(avatarId);
      const after = unique(avatar.documentIds);
      if (sameSet(after, next)) return this.viewFrom(avatar, docs);
      if (change.done(after)) return this.viewOf(avatar);
      if (attempt >= WRITE_ATTEMPTS) {
        throw new AppError('CONFLICT', `The documents of avatar ${avatarId} kept changing while the broker updated them; retry.`, { details: { avatarId } });
      }
    }
  }

  private async viewOf(avatar: Avatar): Promise<KnowledgeView> {
    return this.viewFrom(avatar, await this.measure(avatar.documentIds));
  }

  private viewFrom(avatar: Avatar, docs: DocumentTokens[]): KnowledgeView {
    const byId = new Map(docs.map((d) => [d.id.toLowerCase(), d]));
    const ordered = avatar.documentIds.map((id) => byId.get(id.toLowerCase())).filter((d): d is DocumentTokens => d !== undefined);
    return { avatarId: avatar.id, documentIds: avatar.documentIds, documents: ordered, budget: this.budget(ordered) };
  }
}
