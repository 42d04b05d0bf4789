import type { ApiKeyClient } from '../access/clients';
import { ConfigError, type Config } from '../config';
import { urlProblem } from './address';
import { checkSecret } from './sign';

/** Where webhooks go. The global endpoint hears every client; a client's own endpoint hears that client. */
export interface Endpoint {
  id: string;
  url: string;
  secret: string;
  /** Configured client name; absent = global. */
  client?: string;
}

/** Every configured endpoint, validated; a bad one stops the boot (ConfigError, exit 78). */
export function webhookEndpoints(config: Config, clients: ApiKeyClient[]): Endpoint[] {
  const endpoints: Endpoint[] = [];
  if (config.WEBHOOK_URL && config.WEBHOOK_SECRET) endpoints.push({ id: 'global', url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET });
  for (const client of clients) {
    if (client.webhook) endpoints.push({ id: `client.${client.name}`, url: client.webhook.url, secret: client.webhook.secret, client: client.name });
  }
  const policy = { production: config.NODE_ENV === 'production', allowPrivate: config.WEBHOOK_ALLOW_PRIVATE };
  const problems: string[] = [];
  for (const endpoint of endpoints) {
    const where = endpoint.client ? `client "${endpoint.client}" webhook.url` : 'WEBHOOK_URL';
    const problem = urlProblem(endpoint.url, policy);
    if (problem) problems.push(`${where}: ${problem}`);
    try {
      checkSecret(endpoint.secret);
    } catch {
      problems.push(`${endpoint.client ? `client "${endpoint.client}" webhook.secret` : 'WEBHOOK_SECRET'}: not a valid whsec_ secret`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return endpoints;
}

/** The URL without its query string, for logs and the admin API (a query may carry a receiver's token). */
export function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
