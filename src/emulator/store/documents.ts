import type { StoreEnv } from './env';
import { iso } from './env';

export interface DocumentRecord {
  id: string;
  seq: number;
  name: string;
  content: string;
  type: 'text' | 'file';
  createdAt: number;
  updatedAt: number;
}

/** Knowledge limits are in tokens; ≈ 4 characters per token is close enough for an emulator. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export class DocumentStore {
  private readonly docs = new Map<string, DocumentRecord>();

  constructor(private readonly env: StoreEnv) {}

  create(input: { name: string; content: string }): DocumentRecord {
    const now = Date.now();
    const doc: DocumentRecord = {
      id: this.env.rng.ids.uuid(),
      seq: this.env.nextSeq(),
      name: input.name,
      content: input.content,
      type: 'text',
      createdAt: now,
      updatedAt: now,
    };
    this.docs.set(doc.id, doc);
    return doc;
  }

  get(id: string): DocumentRecord | undefined {
    return this.docs.get(id);
  }

  all(): DocumentRecord[] {
    return [...this.docs.values()];
  }

  update(doc: DocumentRecord, patch: { name?: string | undefined; content?: string | undefined }): void {
    if (patch.name !== undefined) doc.name = patch.name;
    if (patch.content !== undefined) doc.content = patch.content;
    doc.updatedAt = Math.max(Date.now(), doc.updatedAt + 1);
  }

  delete(id: string): boolean {
    if (!this.docs.delete(id)) return false;
    this.env.avatars.detachDocument(id);
    return true;
  }

  /** Derived from the avatars' documentIds, so it can never drift out of sync. */
  usedBy(id: string): { id: string; name: string; imageUrl: string | null }[] {
    return this.env.avatars
      .all()
      .filter((a) => a.documentIds.includes(id))
      .sort((a, b) => a.seq - b.seq)
      .map((a) => ({ id: a.id, name: a.name, imageUrl: a.processedImageUri }));
  }

  view(doc: DocumentRecord, withContent: boolean) {
    return {
      id: doc.id,
      name: doc.name,
      type: doc.type,
      ...(withContent ? { content: doc.content } : {}),
      createdAt: iso(doc.createdAt),
      updatedAt: iso(doc.updatedAt),
      usedBy: this.usedBy(doc.id),
    };
  }
}
