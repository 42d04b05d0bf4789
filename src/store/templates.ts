// Session templates defined through the admin API, and the one-use ledger of context tokens. The
// store keeps template definitions as plain JSON documents: validating them is the templates
// feature's job (src/templates), so nothing here depends on it.

export type TemplateDocument = Record<string, unknown> & { id: string };

export interface TemplateStore {
  list(): Promise<TemplateDocument[]>;
  get(id: string): Promise<TemplateDocument | undefined>;
  /** Adds a template unless one with this id exists (false then). */
  create(doc: TemplateDocument): Promise<boolean>;
  /** Replaces an existing template (false when there is none). */
  replace(doc: TemplateDocument): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /**
   * Remembers a context token id (a hash of its jti, never the token) until `ttlMs` has passed;
   * true the first time, false for every replay (SET NX semantics, atomic across replicas).
   */
  claimToken(jtiHash: string, ttlMs: number): Promise<boolean>;
}

/** One process's templates. Node runs our code on one thread, so check-then-act here is atomic. */
export class MemoryTemplateStore implements TemplateStore {
  private readonly docs = new Map<string, string>();
  private readonly used = new Map<string, number>();

  async list(): Promise<TemplateDocument[]> {
    return [...this.docs.values()].map((json) => JSON.parse(json) as TemplateDocument);
  }

  async get(id: string): Promise<TemplateDocument | undefined> {
    const json = this.docs.get(id);
    return json === undefined ? undefined : (JSON.parse(json) as TemplateDocument);
  }

  async create(doc: TemplateDocument): Promise<boolean> {
    if (this.docs.has(doc.id)) return false;
    this.docs.set(doc.id, JSON.stringify(doc));
    return true;
  }

  async replace(doc: TemplateDocument): Promise<boolean> {
    if (!this.docs.has(doc.id)) return false;
    this.docs.set(doc.id, JSON.stringify(doc));
    return true;
  }

  async delete(id: string): Promise<boolean> {
    return this.docs.delete(id);
  }

  async claimToken(jtiHash: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    for (const [key, until] of this.used) if (until <= now) this.used.delete(key);
    if (this.used.has(jtiHash)) return false;
    this.used.set(jtiHash, now + ttlMs);
    return true;
  }
}
