// Realtime sessions: NOT_READY (queued while the concurrency limit is full) → READY → RUNNING →
// COMPLETED, plus FAILED / CANCELLED, and the linked conversation under the same id.
import { httpError } from '../errors';
import type { StoreEnv } from './env';
import { FAKE_ASSETS, iso } from './env';
import { presetAvatarName } from '../presets';

export type SessionStatus = 'NOT_READY' | 'READY' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type AvatarRef = { type: 'runway-preset'; presetId: string } | { type: 'custom'; avatarId: string };
export interface ToolSpec {
  type: 'client_event' | 'backend_rpc';
  name: string;
  description: string;
  parameters?: { name: string }[] | undefined;
}

export interface SessionInput {
  avatar: AvatarRef;
  maxDuration?: number | undefined;
  personality?: string | undefined;
  startScript?: string | undefined;
  tools?: ToolSpec[] | undefined;
  integration?: { type: string } | undefined;
}

export interface SessionRecord {
  id: string;
  seq: number;
  avatar: AvatarRef;
  /** Custom avatar name and image at creation, for the conversation record. */
  avatarName: string;
  avatarImageUrl: string | null;
  requestedMaxDuration: number | null;
  /** Seconds the session actually runs (requested or default 300, capped by maxDurationCap). */
  maxDuration: number;
  personality: string | null;
  startScript: string | null;
  tools: ToolSpec[];
  integration: string | null;
  roomName: string;
  status: SessionStatus;
  queued: boolean;
  sessionKey: string | null;
  expiresAt: number | null;
  createdAt: number;
  readyAt: number | null;
  consumedAt: number | null;
  cancelledAt: number | null;
  endedAt: number | null;
  failedAt: number | null;
  duration: number | null;
  failure: string | null;
  failureCode: string | null;
  /** Who failed it: the emulator's failure injection, key expiry, or the control API. */
  failedBy: 'injected' | 'expired' | 'control' | null;
  expired: boolean;
  plannedDelayMs: number;
  plannedFailure: boolean;
  polls: number;
  pollsBeforeReady: number;
  consumeAttempts: number;
  consumeSuccesses: number;
  deletes: number;
  livekitDialIns: number;
  backendConnects: number;
  conversationDeleted: boolean;
  timer: NodeJS.Timeout | null;
}

export const DEFAULT_MAX_DURATION = 300;
const TERMINAL: SessionStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
export const isTerminal = (s: SessionRecord) => TERMINAL.includes(s.status);

export class SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(private readonly env: StoreEnv) {}

  get(id: string): SessionRecord | undefined {
    const s = this.sessions.get(id);
    if (s) this.expireIfDue(s);
    return s;
  }

  all(): SessionRecord[] {
    for (const s of this.sessions.values()) this.expireIfDue(s);
    return [...this.sessions.values()];
  }

  /** Sessions holding a concurrency slot: provisioning, READY or RUNNING. */
  active(): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      if ((s.status === 'NOT_READY' && !s.queued) || s.status === 'READY' || s.status === 'RUNNING') n++;
    }
    return n;
  }

  create(input: SessionInput): SessionRecord {
    const { settings, rng } = this.env;
    if (settings.outOfCredits) {
      throw httpError(settings.outOfCreditsStatus, 'You do not have enough credits to run this task.');
    }
    let avatarName: string;
    let avatarImageUrl: string | null = null;
    if (input.avatar.type === 'custom') {
      const avatar = this.env.avatars.get(input.avatar.avatarId.toLowerCase());
      if (!avatar) throw httpError(settings.unknownAvatarStatus, 'Avatar not found');
      if (avatar.status !== 'READY') {
        throw httpError(settings.unknownAvatarStatus, `Avatar is not ready (status ${avatar.status})`);
      }
      avatarName = avatar.name;
      avatarImageUrl = avatar.processedImageUri;
    } else {
      avatarName = presetAvatarName(input.avatar.presetId);
      const overrides = input.personality !== undefined || input.startScript !== undefined;
      if (overrides && settings.presetPersonaOverride === 'rejected') {
        throw httpError(400, 'personality and startScript overrides are only supported for custom avatars');
      }
    }
    if (settings.overConcurrency === '429' && this.active() >= settings.concurrencyLimit) {
      throw httpError(429, 'You have reached the maximum number of concurrent realtime sessions for your organization.');
    }
    const applyOverrides = input.avatar.type === 'custom' || settings.presetPersonaOverride === 'applied';
    const requested = input.maxDuration ?? null;
    const wanted = requested ?? DEFAULT_MAX_DURATION;
    const id = rng.ids.uuid();
    const s: SessionRecord = {
      id,
      seq: this.env.nextSeq(),
      avatar: input.avatar.type === 'custom' ? { type: 'custom', avatarId: input.avatar.avatarId.toLowerCase() } : input.avatar,
      avatarName,
      avatarImageUrl,
      requestedMaxDuration: requested,
      maxDuration: settings.maxDurationCap === null ? wanted : Math.min(wanted, settings.maxDurationCap),
      personality: applyOverrides ? (input.personality ?? null) : null,
      startScript: applyOverrides ? (input.startScript ?? null) : null,
      tools: input.tools ?? [],
      integration: input.integration?.type ?? null,
      roomName: `room-${id}`,
      status: 'NOT_READY',
      queued: false,
      sessionKey: null,
      expiresAt: null,
      createdAt: Date.now(),
      readyAt: null,
      consumedAt: null,
      cancelledAt: null,
      endedAt: null,
      failedAt: null,
      duration: null,
      failure: null,
      failureCode: null,
      failedBy: null,
      expired: false,
      // Drawn at creation so the outcome does not depend on timer interleaving.
      plannedDelayMs: this.readinessDelay(),
      plannedFailure: rng.outcomes.chance(settings.failureRate),
      polls: 0,
      pollsBeforeReady: 0,
      consumeAttempts: 0,
      consumeSuccesses: 0,
      deletes: 0,
      livekitDialIns: 0,
      backendConnects: 0,
      conversationDeleted: false,
      timer: null,
    };
    const slotFree = this.active() < settings.concurrencyLimit; // counted before s joins the map
    this.sessions.set(id, s);
    if (slotFree) this.provision(s);
    else s.queued = true;
    return s;
  }

  private readinessDelay(): number {
    const r = this.env.settings.readiness;
    const rng = this.env.rng.timing;
    if (r.kind === 'fixed') return r.ms;
    if (r.kind === 'uniform') return rng.uniform(r.minMs, r.maxMs);
    return rng.lognormal(r.medianMs, r.sigma);
  }

  private provision(s: SessionRecord): void {
    s.queued = false;
    this.setTimer(s, s.plannedDelayMs, () => {
      if (s.plannedFailure) this.fail(s, this.env.settings.failureMessage, this.env.settings.failureCode, 'injected');
      else this.makeReady(s);
    });
  }

  private makeReady(s: SessionRecord): void {
    const ttl = this.env.settings.sessionKeyTtlMs;
    s.status = 'READY';
    s.readyAt = Date.now();
    s.sessionKey = this.env.rng.ids.hex(24);
    s.expiresAt = s.readyAt + ttl;
    this.setTimer(s, ttl, () => this.expireIfDue(s, true));
  }

  /** READY past expiresAt becomes terminal; checked lazily too, so a late timer cannot let a consume slip through. */
  private expireIfDue(s: SessionRecord, force = false): void {
    if (s.status !== 'READY' || s.expiresAt === null) return;
    if (!force && Date.now() < s.expiresAt) return;
    s.expired = true;
    if (this.env.settings.expiredSessionStatus === 'COMPLETED') {
      this.complete(s, 0);
    } else {
      this.fail(s, 'The session credentials expired before they were consumed.', this.env.settings.expiredFailureCode, 'expired');
    }
  }

  /** Control API: the key's lifetime passes now (what a long wait would do), with the configured outcome. */
  expireNow(s: SessionRecord): void {
    if (s.status !== 'READY') throw httpError(409, `Only a READY session can expire; this one is ${s.status.toLowerCase()}`);
    s.expiresAt = Date.now();
    this.expireIfDue(s, true);
  }

  poll(s: SessionRecord): void {
    s.polls++;
    if (s.status === 'NOT_READY') s.pollsBeforeReady++;
  }

  /** Moves READY → RUNNING and schedules COMPLETED after maxDuration (scaled). Throws the configured 4xx otherwise. */
  consume(s: SessionRecord, bearer: string | null): void {
    const settings = this.env.settings;
    s.consumeAttempts++;
    const keyMatches = bearer !== null && s.sessionKey !== null && bearer === s.sessionKey;
    if (!keyMatches) throw httpError(401, 'Invalid session key');
    if (s.consumedAt !== null) {
      throw httpError(settings.secondConsumeStatus, 'Session credentials have already been consumed');
    }
    if (s.status !== 'READY') {
      const why = s.expired ? 'Session credentials have expired' : `Session is ${s.status.toLowerCase()}`;
      throw httpError(settings.consumeAfterExpiryStatus, why);
    }
    s.status = 'RUNNING';
    s.consumedAt = Date.now();
    s.consumeSuccesses++;
    this.setTimer(s, s.maxDuration * 1000 * settings.durationScale, () => this.complete(s, s.maxDuration));
  }

  connectBackend(s: SessionRecord): void {
    if (s.status !== 'READY' && s.status !== 'RUNNING') {
      throw httpError(400, `Cannot connect a backend to a session that is ${s.status.toLowerCase()}`);
    }
    s.backendConnects++;
  }

  /** DELETE: cancels NOT_READY / RUNNING; READY and terminal sessions follow the §16 toggles. */
  cancel(s: SessionRecord): void {
    const settings = this.env.settings;
    s.deletes++;
    if (isTerminal(s)) {
      if (settings.deleteTerminalStatus === 204) return;
      throw httpError(settings.deleteTerminalStatus, `Session is already ${s.status.toLowerCase()}`);
    }
    if (s.status === 'READY' && settings.deleteReadyStatus !== 204) {
      throw httpError(settings.deleteReadyStatus, 'A session that is ready cannot be cancelled');
    }
    this.clearTimer(s);
    if (s.status === 'RUNNING') s.duration = this.elapsedSeconds(s);
    s.status = 'CANCELLED';
    s.queued = false;
    s.cancelledAt = Date.now();
    this.pump();
  }

  /** Control API: end a session as if the call ended (COMPLETED) or the worker crashed (FAILED). */
  end(s: SessionRecord, how: { status: 'COMPLETED' | 'FAILED'; failureCode?: string | undefined; failure?: string | undefined }): void {
    if (isTerminal(s)) throw httpError(409, `Session is already ${s.status.toLowerCase()}`);
    if (how.status === 'COMPLETED') this.complete(s, this.elapsedSeconds(s));
    else this.fail(s, how.failure ?? this.env.settings.failureMessage, how.failureCode ?? this.env.settings.failureCode, 'control');
  }

  private complete(s: SessionRecord, duration: number): void {
    this.clearTimer(s);
    s.status = 'COMPLETED';
    s.queued = false;
    s.duration = duration;
    s.endedAt = Date.now();
    this.pump();
  }

  private fail(s: SessionRecord, failure: string, failureCode: string, by: SessionRecord['failedBy']): void {
    this.clearTimer(s);
    if (s.status === 'RUNNING') s.duration = this.elapsedSeconds(s);
    s.status = 'FAILED';
    s.queued = false;
    s.failure = failure;
    s.failureCode = failureCode;
    s.failedBy = by;
    s.failedAt = Date.now();
    this.pump();
  }

  /** Starts queued sessions while slots are free (FIFO). */
  pump(): void {
    const queued = [...this.sessions.values()].filter((s) => s.status === 'NOT_READY' && s.queued).sort((a, b) => a.seq - b.seq);
    for (const s of queued) {
      if (this.active() >= this.env.settings.concurrencyLimit) break;
      this.provision(s);
    }
  }

  /** Emulated seconds since consume (real time divided by durationScale), capped at maxDuration. */
  elapsedSeconds(s: SessionRecord): number {
    if (s.consumedAt === null) return 0;
    if (s.status !== 'RUNNING' && s.duration !== null) return s.duration;
    const real = (Date.now() - s.consumedAt) / this.env.settings.durationScale / 1000;
    return Math.min(s.maxDuration, Math.round(real));
  }

  private setTimer(s: SessionRecord, ms: number, fn: () => void): void {
    this.clearTimer(s);
    s.timer = this.env.timers.after(ms, () => {
      s.timer = null;
      fn();
    });
  }

  private clearTimer(s: SessionRecord): void {
    this.env.timers.cancel(s.timer);
    s.timer = null;
  }

  view(s: SessionRecord) {
    const base = { id: s.id, createdAt: iso(s.createdAt) };
    switch (s.status) {
      case 'NOT_READY':
        return { ...base, status: s.status, queued: s.queued };
      case 'READY':
        return { ...base, status: s.status, sessionKey: s.sessionKey, expiresAt: iso(s.expiresAt ?? 0) };
      case 'COMPLETED':
        return { ...base, status: s.status, duration: s.duration ?? 0 };
      case 'FAILED':
        return { ...base, status: s.status, failure: s.failure ?? '', failureCode: s.failureCode ?? '' };
      default:
        return { ...base, status: s.status };
    }
  }

  conversations(): SessionRecord[] {
    return this.all().filter((s) => !s.conversationDeleted);
  }

  conversationStatus(s: SessionRecord): 'in_progress' | 'ended' | 'failed' {
    if (s.status === 'FAILED') return 'failed';
    if (s.status === 'COMPLETED' || s.status === 'CANCELLED') return 'ended';
    return 'in_progress';
  }

  conversationName(s: SessionRecord): string {
    return `Conversation with ${s.avatarName} at ${iso(s.createdAt)}`;
  }

  private conversationDuration(s: SessionRecord): number | null {
    return s.consumedAt === null ? null : this.elapsedSeconds(s);
  }

  /** Custom avatar info for conversations; id/name go null once the avatar is deleted. */
  private customAvatar(avatarId: string) {
    const live = this.env.avatars.get(avatarId);
    return { id: live ? live.id : null, name: live ? live.name : null, imageUrl: live ? live.processedImageUri : null };
  }

  conversationListView(s: SessionRecord) {
    const avatar =
      s.avatar.type === 'runway-preset'
        ? { type: s.avatar.type, presetId: s.avatar.presetId, name: s.avatarName }
        : (({ id, name }) => ({ type: 'custom' as const, id, name }))(this.customAvatar(s.avatar.avatarId));
    return {
      id: s.id,
      name: this.conversationName(s),
      status: this.conversationStatus(s),
      avatar,
      createdAt: iso(s.createdAt),
      duration: this.conversationDuration(s),
      hasTools: s.tools.length > 0,
    };
  }

  conversationView(s: SessionRecord) {
    const status = this.conversationStatus(s);
    const avatar =
      s.avatar.type === 'runway-preset'
        ? { type: s.avatar.type, presetId: s.avatar.presetId }
        : { type: 'custom' as const, ...this.customAvatar(s.avatar.avatarId) };
    const endedAt = s.endedAt ?? s.cancelledAt ?? s.failedAt;
    const base = {
      id: s.id,
      name: this.conversationName(s),
      avatar,
      createdAt: iso(s.createdAt),
      startedAt: s.consumedAt === null ? null : iso(s.consumedAt),
      duration: this.conversationDuration(s),
      maxDuration: s.maxDuration,
      recordingUrl: status !== 'in_progress' && s.consumedAt !== null ? `${FAKE_ASSETS}/recordings/${s.id}.mp4` : null,
      tools: s.tools.map((t) => ({ type: t.type, name: t.name, description: t.description })),
      transcript: this.transcript(s),
    };
    if (status === 'in_progress') return { ...base, status };
    if (status === 'ended') return { ...base, status, endedAt: endedAt === null ? null : iso(endedAt) };
    return {
      ...base,
      status,
      endedAt: endedAt === null ? null : iso(endedAt),
      failure: s.failure ?? '',
      failureCode: s.failureCode ?? '',
    };
  }

  /** A canned transcript once the call has started: no speech is emulated. */
  private transcript(s: SessionRecord) {
    if (s.consumedAt === null) return [];
    const at = (offsetMs: number) => iso(s.consumedAt! + offsetMs);
    const avatar = this.env.avatars.get(s.avatar.type === 'custom' ? s.avatar.avatarId : '');
    const opening = s.startScript ?? avatar?.startScript ?? `Hi, I'm ${s.avatarName}. How can I help you today?`;
    const entries: Record<string, unknown>[] = [
      { role: 'assistant', content: opening, timestamp: at(0) },
      { role: 'user', content: '(emulated user speech)', timestamp: at(1000) },
    ];
    const tool = s.tools[0];
    if (tool) {
      const callId = `call_${s.id.slice(0, 8)}`;
      entries.push({
        role: 'assistant',
        content: null,
        timestamp: at(2000),
        toolCalls: [{ id: callId, name: tool.name, arguments: {} }],
        ...(tool.type === 'backend_rpc'
          ? { toolResults: [{ id: callId, name: tool.name, result: { emulated: true }, error: null, durationMs: 5 }] }
          : {}),
      });
    }
    return entries;
  }

  deleteConversation(s: SessionRecord): void {
    s.conversationDeleted = true;
  }
}
