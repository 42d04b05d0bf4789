/**
 * Serialises async work per key inside this process: work for one key runs one at a time, in
 * arrival order; different keys run freely. Used so that read-modify-write of an avatar's
 * documentIds never loses a concurrent change made through this broker.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      // Forget the key once nobody queued behind us, so the map does not grow with every avatar ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Holds several keys at once, taken in sorted order so two multi-key holders cannot deadlock. */
  runAll<T>(keys: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const step = (index: number): Promise<T> => {
      const key = sorted[index];
      return key === undefined ? work() : this.run(key, () => step(index + 1));
    };
    return step(0);
  }

  /** Keys with work running or queued (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
