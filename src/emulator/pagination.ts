// Cursor pagination in Runway's shape: {data, hasMore, nextCursor|null}. Cursors are keyset positions
// (sort key + creation sequence), so items created while a client iterates do not shift pages.
import { z } from 'zod';
import { httpError } from './errors';

export function pageQuery(defaultLimit: number) {
  return z.object({
    limit: z.coerce.number().int().min(1).max(100).default(defaultLimit),
    cursor: z.string().min(1).max(1000).optional(),
  });
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

type Position = [key: number, seq: number];

function encode(pos: Position): string {
  return Buffer.from(JSON.stringify(pos)).toString('base64url');
}

function decode(cursor: string): Position {
  try {
    const pos: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(pos) && pos.length === 2 && pos.every((n) => typeof n === 'number')) return pos as Position;
  } catch {
    // fall through
  }
  throw httpError(400, 'Invalid cursor');
}

/** Sorts by (key, seq) in `order` and returns the page after `cursor`. */
export function paginate<T, V>(
  items: T[],
  opts: { key: (item: T) => number; seq: (item: T) => number; order: 'asc' | 'desc'; limit: number; cursor?: string | undefined },
  view: (item: T) => V,
): Page<V> {
  const dir = opts.order === 'asc' ? 1 : -1;
  const cmp = (a: Position, b: Position) => dir * (a[0] - b[0] || a[1] - b[1]);
  const pos = (item: T): Position => [opts.key(item), opts.seq(item)];
  let sorted = [...items].sort((a, b) => cmp(pos(a), pos(b)));
  if (opts.cursor !== undefined) {
    const after = decode(opts.cursor);
    sorted = sorted.filter((item) => cmp(pos(item), after) > 0);
  }
  const pageItems = sorted.slice(0, opts.limit);
  const hasMore = sorted.length > opts.limit;
  const last = pageItems[pageItems.length - 1];
  return {
    data: pageItems.map(view),
    hasMore,
    nextCursor: hasMore && last !== undefined ? encode(pos(last)) : null,
  };
}
