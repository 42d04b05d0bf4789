import type { ClientPolicy, Scope } from './clients';

/** Who is calling, as the domain sees it: no transport details. */
export interface ClientIdentity {
  /** Stable identity used for ownership and limits. Never a secret. */
  id: string;
  kind: 'anonymous' | 'api-key' | 'jwt';
  scopes: Scope[];
  /** Limits and permissions; null for anonymous callers when anonymous sessions are off. */
  policy: ClientPolicy | null;
  /** A JWT caller's session-template variables (JWT_TEMPLATE_VARIABLES_CLAIM), if its token has them. */
  templateVariables?: Record<string, unknown>;
}
