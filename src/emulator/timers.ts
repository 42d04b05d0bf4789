// Every timer the emulator starts goes through here so close() and reset() can clear them all.

const MAX_DELAY = 2 ** 31 - 1; // setTimeout overflows above this

export class Timers {
  private readonly handles = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const handle = setTimeout(
      () => {
        this.handles.delete(handle);
        fn();
      },
      Math.min(MAX_DELAY, Math.max(0, Math.round(ms))),
    );
    handle.unref();
    this.handles.add(handle);
    return handle;
  }

  cancel(handle: NodeJS.Timeout | null | undefined): void {
    if (!handle) return;
    clearTimeout(handle);
    this.handles.delete(handle);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  clearAll(): void {
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
  }

  get pending(): number {
    return this.handles.size;
  }
}
