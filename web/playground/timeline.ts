// The session's steps in order, from the broker's status (its clock) and this page's marks (the
// browser's clock). Each step shows ms since the request was sent and since the previous step.

export interface BrokerStatus {
  sessionId: string;
  status: string;
  requestedAt: string | null;
  createdAt: string;
  queuedAt: string | null;
  provisioningAt: string | null;
  readyAt: string | null;
  deliveredAt: string | null;
  endedAt: string | null;
  failureCode: string | null;
  endReason: string | null;
  pooled?: boolean;
}

export interface ClientMarks {
  requestSent?: number;
  credentialsReceived?: number;
  livekitConnected?: number;
  /** The SDK reported an error before or instead of connecting (the emulator always closes the dial-in). */
  livekitFailed?: number;
  ended?: number;
}

export interface Step {
  id: string;
  label: string;
  clock: 'browser' | 'broker';
  at?: number;
  sinceStart?: number;
  delta?: number;
  /** A later step happened without this one (e.g. never queued). */
  skipped?: boolean;
}

const time = (iso: string | null | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);

export function buildTimeline(marks: ClientMarks, status: BrokerStatus | null): Step[] {
  const steps: Step[] = [
    { id: 'request-sent', label: 'Request sent', clock: 'browser', at: marks.requestSent },
    { id: 'created', label: status?.pooled ? 'Taken from the warm pool' : 'Created upstream', clock: 'broker', at: time(status?.createdAt) },
    { id: 'queued', label: 'Queued', clock: 'broker', at: time(status?.queuedAt) },
    { id: 'provisioning', label: 'Provisioning', clock: 'broker', at: time(status?.provisioningAt) },
    { id: 'ready', label: 'READY', clock: 'broker', at: time(status?.readyAt) },
    { id: 'consumed', label: 'Consumed and delivered', clock: 'broker', at: time(status?.deliveredAt) },
    { id: 'credentials', label: 'Credentials received', clock: 'browser', at: marks.credentialsReceived },
    {
      id: 'livekit',
      label: !marks.livekitConnected && marks.livekitFailed ? 'LiveKit connected: no (dial-in closed)' : 'LiveKit connected',
      clock: 'browser',
      at: marks.livekitConnected,
    },
    { id: 'ended', label: status?.endReason ? `Ended (${status.endReason})` : 'Ended', clock: 'browser', at: marks.ended ?? time(status?.endedAt) },
  ];
  const start = marks.requestSent ?? time(status?.requestedAt);
  let previous: number | undefined;
  steps.forEach((step, i) => {
    if (step.at === undefined) {
      step.skipped = steps.slice(i + 1).some((later) => later.at !== undefined) && step.id !== 'livekit';
      return;
    }
    if (start !== undefined) step.sinceStart = Math.max(0, Math.round(step.at - start));
    if (previous !== undefined) step.delta = Math.max(0, Math.round(step.at - previous));
    previous = step.at;
  });
  return steps;
}
