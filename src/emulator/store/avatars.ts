import type { StoreEnv } from './env';
import { FAKE_ASSETS, iso } from './env';
import { presetVoice } from '../presets';

export type VoiceRef = { type: 'runway-live-preset'; presetId: string } | { type: 'custom'; id: string };

export interface AvatarInput {
  name: string;
  personality: string;
  referenceImage: string;
  voice: VoiceRef;
  startScript?: string | null | undefined;
  documentIds?: string[] | undefined;
  imageProcessing?: 'optimize' | 'none' | undefined;
}

export interface AvatarRecord {
  id: string;
  seq: number;
  name: string;
  personality: string;
  startScript: string | null;
  voice: VoiceRef;
  referenceImage: string;
  imageProcessing: 'optimize' | 'none';
  documentIds: string[];
  status: 'PROCESSING' | 'READY' | 'FAILED';
  failureReason: string | null;
  referenceImageUri: string | null;
  processedImageUri: string | null;
  createdAt: number;
  updatedAt: number;
  timer: NodeJS.Timeout | null;
}

export class AvatarStore {
  private readonly avatars = new Map<string, AvatarRecord>();

  constructor(private readonly env: StoreEnv) {}

  create(input: AvatarInput): AvatarRecord {
    const now = Date.now();
    const id = this.env.rng.ids.uuid();
    const avatar: AvatarRecord = {
      id,
      seq: this.env.nextSeq(),
      name: input.name,
      personality: input.personality,
      startScript: input.startScript ?? null,
      voice: input.voice,
      referenceImage: input.referenceImage,
      imageProcessing: input.imageProcessing ?? 'optimize',
      documentIds: [...new Set(input.documentIds ?? [])],
      status: 'PROCESSING',
      failureReason: null,
      referenceImageUri: `${FAKE_ASSETS}/avatars/${id}/reference-preview.webp`,
      processedImageUri: null,
      createdAt: now,
      updatedAt: now,
      timer: null,
    };
    this.avatars.set(id, avatar);
    this.process(avatar);
    return avatar;
  }

  /** PROCESSING, then READY or FAILED after the configured delay (the outcome is drawn now, for reproducibility). */
  process(avatar: AvatarRecord): void {
    const { settings, rng, timers } = this.env;
    timers.cancel(avatar.timer);
    avatar.status = 'PROCESSING';
    avatar.failureReason = null;
    avatar.processedImageUri = null;
    const fails = rng.outcomes.chance(settings.avatarFailureRate);
    avatar.timer = timers.after(settings.avatarProcessingMs, () => {
      avatar.timer = null;
      if (fails) {
        avatar.status = 'FAILED';
        avatar.failureReason = settings.avatarFailureReason;
      } else {
        avatar.status = 'READY';
        avatar.processedImageUri = `${FAKE_ASSETS}/avatars/${avatar.id}/processed-${avatar.updatedAt}.webp`;
      }
    });
  }

  /** Applies a PATCH. A new reference image or processing mode re-processes the avatar. */
  update(avatar: AvatarRecord, patch: Partial<AvatarInput>): void {
    if (patch.name !== undefined) avatar.name = patch.name;
    if (patch.personality !== undefined) avatar.personality = patch.personality;
    if (patch.startScript !== undefined) avatar.startScript = patch.startScript;
    if (patch.voice !== undefined) avatar.voice = patch.voice;
    if (patch.documentIds !== undefined) avatar.documentIds = [...new Set(patch.documentIds)];
    const reprocess =
      (patch.referenceImage !== undefined && patch.referenceImage !== avatar.referenceImage) ||
      (patch.imageProcessing !== undefined && patch.imageProcessing !== avatar.imageProcessing);
    if (patch.referenceImage !== undefined) avatar.referenceImage = patch.referenceImage;
    if (patch.imageProcessing !== undefined) avatar.imageProcessing = patch.imageProcessing;
    avatar.updatedAt = Math.max(Date.now(), avatar.updatedAt + 1);
    if (reprocess) {
      avatar.referenceImageUri = `${FAKE_ASSETS}/avatars/${avatar.id}/reference-preview-${avatar.updatedAt}.webp`;
      this.process(avatar);
    }
  }

  get(id: string): AvatarRecord | undefined {
    return this.avatars.get(id);
  }

  all(): AvatarRecord[] {
    return [...this.avatars.values()];
  }

  delete(id: string): boolean {
    const avatar = this.avatars.get(id);
    if (!avatar) return false;
    this.env.timers.cancel(avatar.timer);
    return this.avatars.delete(id);
  }

  detachDocument(documentId: string): void {
    for (const a of this.avatars.values()) {
      if (a.documentIds.includes(documentId)) a.documentIds = a.documentIds.filter((d) => d !== documentId);
    }
  }

  voiceView(voice: VoiceRef) {
    if (voice.type === 'runway-live-preset') return { type: voice.type, presetId: voice.presetId, ...presetVoice(voice.presetId) };
    const custom = this.env.voices.get(voice.id);
    // A deleted voice keeps its id but loses name and description.
    if (!custom) return { type: 'custom' as const, id: voice.id, deleted: true };
    return { type: 'custom' as const, id: voice.id, deleted: false, name: custom.name, description: custom.description };
  }

  view(a: AvatarRecord) {
    const base = {
      id: a.id,
      name: a.name,
      personality: a.personality,
      startScript: a.startScript,
      voice: this.voiceView(a.voice),
      referenceImageUri: a.referenceImageUri,
      processedImageUri: a.processedImageUri,
      documentIds: [...a.documentIds],
      createdAt: iso(a.createdAt),
      updatedAt: iso(a.updatedAt),
      status: a.status,
    };
    return a.status === 'FAILED' ? { ...base, failureReason: a.failureReason ?? 'Avatar processing failed' } : base;
  }
}
