// /playground: start a call through this broker exactly as a customer's frontend would, and watch
// each step. Bundled by scripts/build-web.js; everything it fetches is on this origin except the
// LiveKit URL from the credentials.
import { StrictMode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { AvatarCall, AvatarVideo, useAvatarSession, useClientEvents, useTranscript } from '@runwayml/avatars-react';
import type { ConnectResponse, TranscriptionEntry } from '@runwayml/avatars-react';
import '@runwayml/avatars-react/styles.css';
import './playground.css';
import { buildTimeline, type BrokerStatus, type ClientMarks } from './timeline';
import { curlSnippet, reactSnippet } from './snippets';

interface PageConfig {
  mode: 'live' | 'emulator';
  sessionPath: string;
  presets: { id: string; name: string | null }[];
}

const config = JSON.parse(document.getElementById('playground-config')!.textContent!) as PageConfig;
const FINISHED = new Set(['ended', 'failed', 'timed_out', 'cancelled']);

interface Call {
  attempt: number;
  avatarId: string;
  sessionId?: string;
}

interface LogLine {
  at: number;
  text: string;
}

function authHeaders(apiKey: string): Record<string, string> {
  return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

function App() {
  const [avatarId, setAvatarId] = useState(config.presets[0]?.id ?? '');
  const [apiKey, setApiKey] = useState('');
  const [custom, setCustom] = useState<{ id: string; name: string }[]>([]);
  const [customNote, setCustomNote] = useState('');
  const [call, setCall] = useState<Call | null>(null);
  const [marks, setMarks] = useState<ClientMarks>({});
  const [status, setStatus] = useState<BrokerStatus | null>(null);
  const [log, setLog] = useState<LogLine[]>([]);
  const [transcript, setTranscript] = useState<TranscriptionEntry[]>([]);
  const [conversation, setConversation] = useState<string>('');
  // Once the SDK reports the call over, <AvatarCall> is unmounted, as an app would: kept mounted, every
  // re-render of the page would have LiveKit dial again.
  const [connectionOver, setConnectionOver] = useState<string | null>(null);
  const attempts = useRef(0);
  const endCall = useRef<(() => Promise<void>) | null>(null);

  const note = useCallback((text: string) => setLog((lines) => [...lines, { at: Date.now(), text }]), []);
  const mark = useCallback((step: keyof ClientMarks) => setMarks((m) => (m[step] ? m : { ...m, [step]: Date.now() })), []);

  const loadCustom = async () => {
    setCustomNote('Loading…');
    const res = await fetch('/api/avatars?limit=50', { headers: authHeaders(apiKey) });
    if (!res.ok) {
      setCustomNote(`Could not list custom avatars: ${res.status} ${(await res.json().catch(() => ({}))).error ?? ''}`);
      return;
    }
    const body = (await res.json()) as { data?: { id: string; name?: string }[] };
    const list = (body.data ?? []).map((a) => ({ id: a.id, name: a.name ?? a.id }));
    setCustom(list);
    setCustomNote(`${list.length} custom avatar(s) listed.`);
  };

  // The same request <AvatarCall connectUrl> makes (one JSON POST), written out so the page can time it
  // and send the optional key. A nonce in the URL gives every start its own cache entry in the SDK.
  const sessionUrl = call ? `${config.sessionPath}?attempt=${call.attempt}` : config.sessionPath;
  const connect = useCallback(
    async (id: string): Promise<ConnectResponse> => {
      mark('requestSent');
      note(`POST ${sessionUrl} {"avatarId":"${id}"}`);
      const res = await fetch(sessionUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', ...authHeaders(apiKey) }, body: JSON.stringify({ avatarId: id }) });
      if (!res.ok) {
        const text = await res.text();
        note(`Broker answered ${res.status}: ${text}`);
        throw new Error(`Failed to connect: ${res.status} ${text}`);
      }
      const body = (await res.json()) as ConnectResponse & { sessionId: string };
      mark('credentialsReceived');
      note(`Credentials received for session ${body.sessionId} (token kept in memory, not shown)`);
      setCall((c) => (c ? { ...c, sessionId: body.sessionId } : c));
      return body;
    },
    [sessionUrl, apiKey, mark, note],
  );

  // The broker's own view of the session, polled until it has finished.
  const sessionId = call?.sessionId ?? status?.sessionId;
  const finished = status ? FINISHED.has(status.status) : false;
  useEffect(() => {
    if (!sessionId || finished) return;
    let stopped = false;
    const poll = async () => {
      const res = await fetch(`${config.sessionPath}/${sessionId}`, { headers: authHeaders(apiKey) }).catch(() => null);
      if (!stopped && res?.ok) setStatus((await res.json()) as BrokerStatus);
    };
    void poll();
    const timer = setInterval(poll, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [sessionId, finished, apiKey]);

  // After the call: the conversation record Runway keeps (may take a moment to appear).
  useEffect(() => {
    if (!sessionId || !finished) return;
    void fetch(`${config.sessionPath}/${sessionId}/conversation`, { headers: authHeaders(apiKey) }).then(async (res) => {
      const text = await res.text();
      setConversation(res.ok ? JSON.stringify(JSON.parse(text), null, 2) : `${res.status}: ${text}`);
    });
  }, [sessionId, finished, apiKey]);

  const start = () => {
    attempts.current += 1;
    setMarks({});
    setStatus(null);
    setLog([]);
    setTranscript([]);
    setConversation('');
    setConnectionOver(null);
    setCall({ attempt: attempts.current, avatarId });
  };

  const end = async () => {
    const id = sessionId;
    note('Ending the call');
    await endCall.current?.().catch(() => undefined);
    endCall.current = null;
    // The SDK's end() only tells the avatar over the data channel; the broker is told too, so the
    // session is cancelled upstream even when LiveKit never connected.
    if (id) {
      const res = await fetch(`${config.sessionPath}/${id}`, { method: 'DELETE', headers: authHeaders(apiKey) });
      note(`DELETE ${config.sessionPath}/${id} → ${res.status}`);
    }
    mark('ended');
    setCall((c) => (c ? { ...c, attempt: -c.attempt } : c)); // unmounts the call, keeps the session id
  };

  const live = call !== null && call.attempt > 0;
  const steps = useMemo(() => buildTimeline(marks, status), [marks, status]);
  const avatars = [...config.presets.map((p) => ({ id: p.id, label: p.name ? `${p.name} (${p.id})` : p.id })), ...custom.map((c) => ({ id: c.id, label: `${c.name} (custom)` }))];

  return (
    <main>
      <h1>Avatar playground</h1>
      <p className="lead">
        Starts a real call through this broker's <code>{config.sessionPath}</code>, the same route your frontend uses, and shows what
        happens at each step.
      </p>
      {config.mode === 'emulator' && (
        <p className="notice" role="note">
          This broker runs on the Runway emulator: sessions, credentials and the LiveKit dial-in are real, but the emulator streams no
          video or audio, so the call ends right after LiveKit answers.
        </p>
      )}
      <section aria-labelledby="setup-h">
        <h2 id="setup-h">Start a call</h2>
        <div className="row">
          <label htmlFor="avatar">Avatar</label>
          <select id="avatar" value={avatarId} disabled={live} onChange={(e) => setAvatarId(e.target.value)}>
            {avatars.map((a) => (
              <option key={a.id} value={a.id}>
                {a.label}
              </option>
            ))}
          </select>
        </div>
        <div className="row">
          <label htmlFor="key">API key (optional)</label>
          <input id="key" type="password" autoComplete="off" value={apiKey} disabled={live} onChange={(e) => setApiKey(e.target.value)} />
          <button type="button" onClick={loadCustom} disabled={!apiKey || live}>
            List custom avatars
          </button>
        </div>
        <p className="hint" aria-live="polite">
          {customNote || 'An admin key lists your custom avatars; any key is sent as Authorization: Bearer on every request from this page.'}
        </p>
        <div className="row">
          <button type="button" className="primary" onClick={start} disabled={live || !avatarId}>
            Start call
          </button>
          <button type="button" onClick={end} disabled={!live}>
            End call
          </button>
        </div>
      </section>

      {live && call && (
        <section aria-labelledby="call-h">
          <h2 id="call-h">Call</h2>
          {connectionOver ? (
            <p className="notice" data-testid="connection-over">
              {connectionOver} The session stays open on the broker until you press End call (or it reaches its maximum duration).
            </p>
          ) : (
          <AvatarCall
            key={call.attempt}
            className="call"
            avatarId={call.avatarId}
            connectUrl={sessionUrl}
            connect={connect}
            onError={(err) => {
              note(`SDK error: ${err.message}`);
              mark('livekitFailed');
              setConnectionOver((over) => over ?? `The LiveKit connection failed: ${err.message}.`);
            }}
            onEnd={() => {
              note('SDK: call ended');
              setConnectionOver((over) => over ?? 'The LiveKit connection has ended.');
            }}
          >
            <AvatarVideo />
            <CallProbe endRef={endCall} onState={(state) => { note(`SDK session state: ${state}`); if (state === 'active') mark('livekitConnected'); }} onTranscript={setTranscript} onEvent={(tool, args) => note(`Client event ${tool}: ${JSON.stringify(args)}`)} />
          </AvatarCall>
          )}
        </section>
      )}

      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        {status?.pooled === true && <p className="badge">Pooled start: this session came from the warm pool.</p>}
        <ol className="timeline" data-testid="timeline" data-session-id={sessionId ?? ''} data-broker-status={status?.status ?? ''}>
          {steps.map((s) => (
            <li key={s.id} data-step={s.id} data-at={s.at ?? ''} data-ms={s.sinceStart ?? ''} className={s.at ? 'done' : 'pending'}>
              <span className="step">{s.label}</span>
              <span className="ms">{s.at ? `+${s.sinceStart} ms` : s.skipped ? 'skipped' : '…'}</span>
              <span className="delta">{s.delta !== undefined ? `(${s.delta} ms after previous)` : ''}</span>
              <span className="clock">{s.clock}</span>
            </li>
          ))}
        </ol>
        <p className="hint">Broker steps come from GET {config.sessionPath}/:id (the broker's clock); client steps from this page.</p>
      </section>

      <section aria-labelledby="events-h">
        <h2 id="events-h">Client events</h2>
        <div className="log" data-testid="events" role="log" aria-label="Client events" tabIndex={0}>
          <ul>
            {log.map((l, i) => (
              <li key={i}>
                <time>{new Date(l.at).toISOString().slice(11, 23)}</time> {l.text}
              </li>
            ))}
          </ul>
        </div>
        <h3>Transcript</h3>
        {transcript.length ? (
          <div className="log" role="log" aria-label="Transcript" tabIndex={0}>
            <ul>
              {transcript.map((t) => (
                <li key={t.id}>
                  {t.participantIdentity}: {t.text}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="hint">No transcript yet{config.mode === 'emulator' ? ' (the emulator sends none)' : ''}.</p>
        )}
        <h3>Conversation record</h3>
        <pre data-testid="conversation" tabIndex={0}>{conversation || 'Shown after the call ends.'}</pre>
      </section>

      <section aria-labelledby="snippets-h">
        <h2 id="snippets-h">Use it in your app</h2>
        <Snippet title="React" text={reactSnippet(location.origin + config.sessionPath, avatarId)} />
        <Snippet title="curl" text={curlSnippet(location.origin + config.sessionPath, avatarId, Boolean(apiKey))} />
      </section>
    </main>
  );
}

function CallProbe(props: {
  endRef: { current: (() => Promise<void>) | null };
  onState: (state: string) => void;
  onTranscript: (entries: TranscriptionEntry[]) => void;
  onEvent: (tool: string, args: unknown) => void;
}) {
  const session = useAvatarSession();
  const transcript = useTranscript();
  const latest = useRef(props);
  latest.current = props;
  props.endRef.current = session.end;
  useEffect(() => latest.current.onState(session.state), [session.state]);
  useEffect(() => latest.current.onTranscript(transcript), [transcript]);
  useClientEvents((event) => latest.current.onEvent(event.tool, event.args));
  return null;
}

function Snippet({ title, text }: { title: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <figure className="snippet">
      <figcaption>
        {title}{' '}
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(text).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : `Copy ${title}`}
        </button>
      </figcaption>
      <pre tabIndex={0}>{text}</pre>
    </figure>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
