import type { JournalEntry, SessionJournal } from './types';

// One process: a crash takes the journal with it, so this only serves the reaper's retries of
// cancels that failed (see README, "What a crash leaves behind").

export class MemoryJournal implements SessionJournal {
  private readonly entries = new Map<string, JournalEntry>();
  private readonly beats = new Map<string, number>();

  async put(entry: JournalEntry): Promise<void> {
    this.entries.set(entry.sessionId, { ...entry });
  }

  async mark(sessionId: string, patch: Pick<JournalEntry, 'state'> & Partial<Pick<JournalEntry, 'releaseBy'>>): Promise<void> {
    const entry = this.entries.get(sessionId);
    if (entry) this.entries.set(sessionId, { ...entry, ...patch, since: Date.now() });
  }

  async remove(sessionId: string): Promise<void> {
    this.entries.delete(sessionId);
  }

  async take(sessionId: string): Promise<JournalEntry | undefined> {
    const entry = this.entries.get(sessionId);
    this.entries.delete(sessionId);
    return entry;
  }

  async list(): Promise<JournalEntry[]> {
    return [...this.entries.values()].map((entry) => ({ ...entry }));
  }

  async beat(incarnation: string, ttlMs: number): Promise<void> {
    this.beats.set(incarnation, Date.now() + ttlMs);
  }

  async alive(incarnations: string[]): Promise<Set<string>> {
    const now = Date.now();
    return new Set(incarnations.filter((i) => (this.beats.get(i) ?? 0) > now));
  }

  async retire(incarnation: string): Promise<void> {
    this.beats.delete(incarnation);
  }
}
