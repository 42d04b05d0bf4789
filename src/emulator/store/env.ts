// What the stores share: settings, seeded streams, timers, a creation sequence and each other.
import type { EmulatorSettings } from '../settings';
import type { Random } from '../random';
import type { Timers } from '../timers';
import type { AvatarStore } from './avatars';
import type { DocumentStore } from './documents';
import type { SessionStore } from './sessions';
import type { UploadStore } from './uploads';
import type { VoiceStore } from './voices';

export interface Streams {
  /** ids, session keys, upload signatures */
  ids: Random;
  /** readiness delays */
  timing: Random;
  /** failure draws (sessions, avatars) */
  outcomes: Random;
  /** fault rule probabilities */
  faults: Random;
}

export interface StoreEnv {
  readonly settings: EmulatorSettings;
  readonly timers: Timers;
  readonly rng: Streams;
  nextSeq(): number;
  readonly avatars: AvatarStore;
  readonly documents: DocumentStore;
  readonly sessions: SessionStore;
  readonly uploads: UploadStore;
  readonly voices: VoiceStore;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** Fake asset host: `.invalid` never resolves, so nothing fetches these by accident. */
export const FAKE_ASSETS = 'https://assets.emulator.invalid';
