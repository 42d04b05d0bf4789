// LiveKit dial-in probe. Consume hands out a real LiveKit-style JWT; a client that dials
// `${url}/rtc?access_token=…` (WebSocket) or `${url}/rtc/validate` gets its token checked and the
// dial-in recorded, then a polite close. No signalling, no media.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { signHs256, verifyHs256 } from './jwt';
import type { SessionRecord, SessionStore } from './store/sessions';

export const LIVEKIT_PATH = '/livekit';
const RTC_PATHS = new Set([`${LIVEKIT_PATH}/rtc`, `${LIVEKIT_PATH}/rtc/v1`]);
const VALIDATE_PATHS = [`${LIVEKIT_PATH}/rtc/validate`, `${LIVEKIT_PATH}/rtc/v1/validate`];
export { VALIDATE_PATHS };

export interface LivekitCounters {
  dialIns: number;
  rejected: number;
  validations: number;
}

export class Livekit {
  /** Per process, not seeded: a token from one emulator run must not validate in another. */
  readonly secret = randomBytes(32).toString('hex');
  readonly apiKeyName = 'APIemulator';
  counters: LivekitCounters = { dialIns: 0, rejected: 0, validations: 0 };
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(
    private readonly sessions: () => SessionStore,
    private readonly log: Logger,
  ) {}

  /** `{url, token, roomName}` as consume / connect_backend return them. */
  credentials(s: SessionRecord, baseUrl: string, role: 'user' | 'backend') {
    const now = Math.floor(Date.now() / 1000);
    const identity = `${role}-${s.id.slice(0, 8)}`;
    const token = signHs256(
      {
        iss: this.apiKeyName,
        sub: identity,
        name: role === 'user' ? 'user' : 'backend',
        nbf: now,
        iat: now,
        exp: now + s.maxDuration + 600,
        jti: `${identity}-${now}`,
        video: {
          roomJoin: true,
          room: s.roomName,
          canPublish: true,
          canSubscribe: true,
          canPublishData: true,
          ...(role === 'backend' ? { hidden: true } : {}),
        },
        metadata: JSON.stringify({ sessionId: s.id, emulator: true }),
      },
      this.secret,
    );
    return { url: baseUrl, token, roomName: s.roomName };
  }

  /** Checks a token; returns the session it belongs to (if still known) or an error reason. */
  private check(token: string | null): { ok: true; session: SessionRecord | undefined; identity: string } | { ok: false; reason: string } {
    if (!token) return { ok: false, reason: 'missing access_token' };
    const result = verifyHs256(token, this.secret);
    if (!result.ok) return result;
    const video = result.payload.video as { roomJoin?: unknown; room?: unknown } | undefined;
    if (!video || video.roomJoin !== true || typeof video.room !== 'string') return { ok: false, reason: 'token has no roomJoin grant' };
    const room = video.room;
    const session = this.sessions().all().find((s) => s.roomName === room);
    return { ok: true, session, identity: String(result.payload.sub ?? '') };
  }

  validate = (req: Request, res: Response): void => {
    this.counters.validations++;
    const token = typeof req.query.access_token === 'string' ? req.query.access_token : null;
    const result = this.check(token);
    if (!result.ok) {
      res.status(401).type('text/plain').send(result.reason);
      return;
    }
    res.status(200).type('text/plain').send('success');
  };

  /** Attach to the http server's 'upgrade' event. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    if (!RTC_PATHS.has(url.pathname)) return refuse(socket, 404, 'Not Found');
    const result = this.check(url.searchParams.get('access_token'));
    if (!result.ok) {
      this.counters.rejected++;
      this.log.debug({ reason: result.reason }, 'emulator: livekit dial-in rejected');
      return refuse(socket, 401, 'Unauthorized', result.reason);
    }
    this.counters.dialIns++;
    if (result.session) result.session.livekitDialIns++;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.log.debug({ identity: result.identity }, 'emulator: livekit dial-in');
      // 1000 = normal closure; the reason tells a curious human why nothing happens.
      ws.close(1000, 'emulator: no media');
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

function refuse(socket: Duplex, status: number, text: string, body = text): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
