import type { StoreEnv } from './env';
import { FAKE_ASSETS, iso } from './env';

export type VoiceSource = { type: 'text'; prompt: string; model: string } | { type: 'audio'; audio: string };

export interface VoiceRecord {
  id: string;
  seq: number;
  name: string;
  description: string | null;
  from: VoiceSource;
  status: 'PROCESSING' | 'READY' | 'FAILED';
  failureReason: string | null;
  previewUrl: string | null;
  createdAt: number;
}

export class VoiceStore {
  private readonly voices = new Map<string, VoiceRecord>();

  constructor(private readonly env: StoreEnv) {}

  create(input: { name: string; description?: string | null | undefined; from: VoiceSource }): VoiceRecord {
    const voice: VoiceRecord = {
      id: this.env.rng.ids.uuid(),
      seq: this.env.nextSeq(),
      name: input.name,
      description: input.description ?? null,
      from: input.from,
      status: 'PROCESSING',
      failureReason: null,
      previewUrl: null,
      createdAt: Date.now(),
    };
    this.voices.set(voice.id, voice);
    this.env.timers.after(this.env.settings.voiceProcessingMs, () => {
      if (!this.voices.has(voice.id)) return;
      voice.status = 'READY';
      voice.previewUrl = `${FAKE_ASSETS}/voices/${voice.id}/preview.mp3`;
    });
    return voice;
  }

  get(id: string): VoiceRecord | undefined {
    return this.voices.get(id);
  }

  all(): VoiceRecord[] {
    return [...this.voices.values()];
  }

  delete(id: string): boolean {
    return this.voices.delete(id);
  }

  view(v: VoiceRecord) {
    const base = { id: v.id, name: v.name, description: v.description, createdAt: iso(v.createdAt) };
    if (v.status === 'READY') return { ...base, status: v.status, previewUrl: v.previewUrl };
    if (v.status === 'FAILED') return { ...base, status: v.status, failureReason: v.failureReason ?? 'Voice processing failed' };
    return { ...base, status: v.status };
  }
}
