// What every response must satisfy, whatever was sent. A violation names the invariant and the evidence.
import type { Contract, Operation } from './spec';

export interface Observed {
  status: number;
  headers: Headers;
  text: string;
  json?: unknown;
}

export interface Violation {
  invariant: string;
  detail: string;
}

/** Upstream and capacity trouble is the only 5xx the contract admits. */
const ALLOWED_5XX = new Set([502, 503, 504]);

/**
 * Contract checks. `op` is undefined when the request left its documented route (a mutated path or an
 * undocumented method); then only the route-independent rules apply.
 */
export function checkResponse(contract: Contract, op: Operation | undefined, r: Observed): Violation[] {
  const out: Violation[] = [];
  const documented = op?.responses[String(r.status)];
  const isJson = (r.headers.get('content-type') ?? '').includes('application/json');

  if (r.status >= 500 && !ALLOWED_5XX.has(r.status)) out.push({ invariant: 'no-5xx', detail: `status ${r.status}` });

  if (r.status >= 400) {
    if (!isJson || r.json === undefined) {
      out.push({ invariant: 'error-schema', detail: `error status ${r.status} without a JSON body (content-type ${r.headers.get('content-type')})` });
      return out;
    }
    const validate = contract.validator(contract.errorSchema);
    if (!validate(r.json)) out.push({ invariant: 'error-schema', detail: contract.validatorErrors(validate) });
    const code = (r.json as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (!contract.allCodes.has(code)) out.push({ invariant: 'documented-code', detail: `code ${code} is documented nowhere` });
      else if (documented?.codes.length && !documented.codes.includes(code)) {
        out.push({ invariant: 'documented-code', detail: `${r.status} ${code} is not among the documented ${documented.codes.join(', ')}` });
      }
      if (r.status >= 500 && ALLOWED_5XX.has(r.status) && op && !documented?.codes.includes(code)) {
        out.push({ invariant: 'no-5xx', detail: `${r.status} ${code} is not a documented upstream/capacity code of this operation` });
      }
    }
  }

  if (op && !documented && !(r.status >= 500 && !ALLOWED_5XX.has(r.status))) {
    out.push({ invariant: 'documented-status', detail: `status ${r.status} is not documented for ${op.key}` });
  }

  if (op && documented && r.status < 300) {
    const types = Object.keys(documented.content);
    if (r.status === 204 || !types.length) {
      if (r.text.length) out.push({ invariant: 'response-schema', detail: `${r.status} should have no body` });
    } else if (isJson && documented.content['application/json']) {
      const validate = contract.validator(documented.content['application/json']);
      if (!validate(r.json)) out.push({ invariant: 'response-schema', detail: contract.validatorErrors(validate) });
    } else {
      const type = (r.headers.get('content-type') ?? '').split(';')[0]!.trim();
      if (!types.includes(type)) out.push({ invariant: 'response-schema', detail: `content-type ${type} is not one of ${types.join(', ')}` });
    }
  }

  for (const [name, schema] of Object.entries(documented?.headers ?? {})) {
    const value = r.headers.get(name);
    if (value === null) out.push({ invariant: 'response-headers', detail: `required header ${name} missing` });
    else if (Array.isArray(schema.enum) && !schema.enum.includes(value)) out.push({ invariant: 'response-headers', detail: `${name}: ${value} not in ${schema.enum.join(', ')}` });
  }
  return out;
}

/** Candidate secret-bearing substrings (keys, hex session keys, JWTs). */
export const tokensOf = (text: string): string[] => text.match(/[A-Za-z0-9_\-.]{16,}/g) ?? [];

/** Secrets in a piece of text: static ones by substring, upstream ones by token. */
export function secretsIn(text: string, staticSecrets: string[], upstream: Set<string>): string[] {
  const found = staticSecrets.filter((s) => text.includes(s));
  for (const t of tokensOf(text)) if (upstream.has(t)) found.push(t);
  return found;
}
