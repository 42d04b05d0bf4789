// Seeded randomness: every random choice the emulator makes goes through here so a run is reproducible.

/** mulberry32: tiny, fast, good enough for test scheduling (not for secrets). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, used to derive independent streams from one seed so that e.g. id generation never shifts delays. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number, stream = '') {
    this.next = mulberry32((seed ^ hash(stream)) >>> 0);
  }

  float(): number {
    return this.next();
  }

  /** True with probability p (p <= 0 never, p >= 1 always; always consumes one draw for stable sequences). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Standard normal via Box-Muller. */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) is -Infinity
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal with the given median (= e^mu) and sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  hex(n: number): string {
    return Buffer.from(this.bytes(n)).toString('hex');
  }

  /** RFC 4122 version 4 UUID built from the seeded stream. */
  uuid(): string {
    const b = this.bytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = Buffer.from(b).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}
