import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { BlockedAddressError, guardedLookup, isPrivateAddress, type Resolver } from './address';

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  resolve?: Resolver;
}

export interface SendResult {
  status: number;
}

/** One POST. Resolves with the status (any), rejects on network errors, timeouts and refused addresses. */
export function post(url: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  // Node skips `lookup` for literal addresses, so they are checked here.
  if (isIP(host) && isPrivateAddress(host) && !options.allowPrivate) return Promise.reject(new BlockedAddressError(`${host} is not a public address`));
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'characters-broker-webhooks', ...headers },
        lookup: guardedLookup(options.allowPrivate, options.resolve),
        timeout: options.timeoutMs,
      },
      (res) => {
        res.resume(); // the receiver's body is not ours to read
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
