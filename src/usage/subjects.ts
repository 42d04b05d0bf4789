import type { ApiKeyClient } from '../access/clients';

// Client ids are `key:<name>`, `jwt:<subject>` or `anon:<address>` (src/http/auth.ts). Prometheus
// labels and webhook routing use the configured name only, so label cardinality stays bounded.

export const ANONYMOUS = 'anonymous';

/** The Prometheus label of a client: its configured name, or `jwt` / `anonymous` aggregated. */
export function metricLabel(clientId: string, known: ReadonlySet<string>): string {
  if (clientId.startsWith('key:')) {
    const name = clientId.slice(4);
    return known.has(name) ? name : 'other';
  }
  return clientId.startsWith('jwt:') ? 'jwt' : ANONYMOUS;
}

export function isAnonymous(clientId: string): boolean {
  return clientId.startsWith('anon:');
}

/** The configured client name of an API-key client id, if it is one. */
export function clientName(clientId: string): string | undefined {
  return clientId.startsWith('key:') ? clientId.slice(4) : undefined;
}

export function knownNames(clients: ApiKeyClient[]): Set<string> {
  return new Set(clients.map((c) => c.name));
}
