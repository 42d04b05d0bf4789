type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');

// Runway does not publish the tokenizer behind its 50,000-token knowledge limit. o200k_base (the
// GPT-4o family encoding) is a reasonable stand-in; counts are an estimate and are labelled so.
export const TOKENIZER = 'o200k_base';

// Text that happens to contain "<|endoftext|>" is just text here, not a control token.
const PLAIN = { disallowedSpecial: new Set<string>() };

// BPE cost grows with the square of a run of letters: 200,000 "x" take ~20 s in one piece,
// blocking the event loop. Counting in pieces cut just before a space (where the encoder's own
// pre-tokenizer splits anyway) keeps normal text's count, and hard cuts bound the worst case at the
// price of at most one extra token per cut.
const PIECE = 4096;
const HARD_PIECE = 256;
const LONG_WORD = /[\p{L}\p{M}]{257}/u;

// The o200k tables cost ~50 MB and ~0.8 s to load, and only document routes count tokens: load them
// on the first count, not at boot.
let encoding: Encoding | undefined;
function countTokens(text: string, options: typeof PLAIN): number {
  encoding ??= require('gpt-tokenizer/encoding/o200k_base') as Encoding;
  return encoding.countTokens(text, options);
}

export function tokenCount(text: string): number {
  let total = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + PIECE, text.length);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space;
      // never split a surrogate pair
      if (end < text.length && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end++;
    }
    const piece = text.slice(start, end);
    // a long run of letters is one pre-token, the quadratic case: cut it into short pieces
    total += LONG_WORD.test(piece) ? hardCount(piece) : countTokens(piece, PLAIN);
    start = end;
  }
  return total;
}

function hardCount(piece: string): number {
  let total = 0;
  for (let start = 0; start < piece.length; ) {
    let end = Math.min(start + HARD_PIECE, piece.length);
    if (end < piece.length && /[\uD800-\uDBFF]/.test(piece.charAt(end - 1))) end++;
    total += countTokens(piece.slice(start, end), PLAIN);
    start = end;
  }
  return total;
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
