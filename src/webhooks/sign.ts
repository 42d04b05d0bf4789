import { Webhook } from 'standardwebhooks';

/** Standard Webhooks headers for one attempt: signed over `id.timestamp.body` with the endpoint's secret. */
export function signedHeaders(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/** Throws when the secret is not a usable Standard Webhooks secret. */
export function checkSecret(secret: string): void {
  new Webhook(secret).sign('check', new Date(), '');
}
