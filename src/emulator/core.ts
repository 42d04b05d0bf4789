// The emulator's state, independent of HTTP: settings, seeded streams, timers, stores, faults.
import type { Logger } from 'pino';
import { FaultBook } from './faults';
import { buildLedger, type Ledger } from './ledger';
import { Livekit } from './livekit';
import { Random } from './random';
import { mergeSettings, type EmulatorSettings } from './settings';
import { AvatarStore } from './store/avatars';
import { DocumentStore } from './store/documents';
import type { StoreEnv, Streams } from './store/env';
import { SessionStore } from './store/sessions';
import { UploadStore } from './store/uploads';
import { VoiceStore } from './store/voices';
import { Timers } from './timers';

function streams(seed: number): Streams {
  return {
    ids: new Random(seed, 'ids'),
    timing: new Random(seed, 'timing'),
    outcomes: new Random(seed, 'outcomes'),
    faults: new Random(seed, 'faults'),
  };
}

export class EmulatorCore implements StoreEnv {
  settings: EmulatorSettings;
  readonly timers = new Timers();
  readonly faults = new FaultBook();
  readonly livekit: Livekit;
  readonly requests = new Map<string, number>();
  rng!: Streams;
  avatars!: AvatarStore;
  documents!: DocumentStore;
  sessions!: SessionStore;
  uploads!: UploadStore;
  voices!: VoiceStore;
  private seq = 0;

  constructor(
    settings: EmulatorSettings,
    readonly log: Logger,
  ) {
    this.settings = settings;
    this.livekit = new Livekit(() => this.sessions, log);
    this.init();
  }

  /** Fresh stores and streams re-seeded from settings.seed, so a reset run replays the same choices. */
  private init(): void {
    this.seq = 0;
    this.rng = streams(this.settings.seed);
    this.avatars = new AvatarStore(this);
    this.documents = new DocumentStore(this);
    this.sessions = new SessionStore(this);
    this.uploads = new UploadStore(this);
    this.voices = new VoiceStore(this);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  countRequest(operation: string): void {
    this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
  }

  updateSettings(patch: unknown): EmulatorSettings {
    this.settings = mergeSettings(this.settings, patch);
    this.sessions.pump(); // a raised concurrency limit frees queued sessions now
    return this.settings;
  }

  /** Clears all state and faults; settings stay unless a patch is given. */
  reset(patch?: unknown): void {
    const next = patch === undefined ? this.settings : mergeSettings(this.settings, patch);
    this.timers.clearAll();
    this.faults.clear();
    this.faults.firedTotal = 0;
    this.requests.clear();
    this.livekit.counters = { dialIns: 0, rejected: 0, validations: 0 };
    this.settings = next;
    this.init();
  }

  ledger(): Ledger {
    return buildLedger(this.sessions.all(), {
      livekit: this.livekit.counters,
      faultsFired: this.faults.firedTotal,
      requests: this.requests,
    });
  }

  close(): void {
    this.timers.clearAll();
    this.livekit.close();
  }
}
