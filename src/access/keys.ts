import { createHash, timingSafeEqual } from 'node:crypto';

export const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** Compares against every entry in constant time, so timing reveals neither which nor how much matched. */
export function findByKey<T extends { hash: Buffer }>(entries: T[], presented: string): T | undefined {
  const hash = hashKey(presented);
  let found: T | undefined;
  for (const entry of entries) if (entry.hash.length === hash.length && timingSafeEqual(entry.hash, hash)) found = entry;
  return found;
}
