import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

// Runway does not publish the tokenizer behind its 50,000-token knowledge limit. o200k_base (the
// GPT-4o family encoding) is a reasonable stand-in; counts are an estimate and are labelled so.
export const TOKENIZER = 'o200k_base';

// Text that happens to contain "<|endoftext|>" is just text here, not a control token.
const PLAIN = { disallowedSpecial: new Set<string>() };

export function tokenCount(text: string): number {
  return countTokens(text, PLAIN);
}

/**
 * Counts are cached per document version (id + updatedAt): a 200,000-character document takes tens
 * of milliseconds to count, and budget checks recount every attached document.
 */
export class TokenCounter {
  private readonly cache = new Map<string, number>();

  constructor(private readonly maxEntries = 2000) {}

  count(doc: { id: string; updatedAt: string; content: string }): number {
    const key = `${doc.id}@${doc.updatedAt}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const count = tokenCount(doc.content);
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, count);
    return count;
  }
}
