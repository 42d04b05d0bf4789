import type { Harness } from '../support/harness';

/** Redis connects in the background at boot; wait for it rather than racing it. */
export async function connected(h: Harness): Promise<void> {
  for (let i = 0; i < 500 && !(await h.broker.stores.healthy()); i += 1) await new Promise((r) => setTimeout(r, 10));
}
