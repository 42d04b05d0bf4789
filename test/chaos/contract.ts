import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// The documented status/code table, read from the committed openapi/openapi.yaml: for each
// operation, the statuses it may answer and, per error status, the codes named in its description.

type Operations = Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;

export interface ContractTable {
  /** `${METHOD} ${template}` → status → documented codes (empty for success statuses). */
  ops: Map<string, Map<number, Set<string>>>;
  allows(op: string, status: number, code: string | undefined): boolean;
}

export function loadContract(): ContractTable {
  const doc = parse(readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.yaml'), 'utf8')) as { paths: Operations };
  const ops = new Map<string, Map<number, Set<string>>>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      const statuses = new Map<number, Set<string>>();
      for (const [status, response] of Object.entries(op.responses)) {
        const codes = new Set([...(response.description ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
        statuses.set(Number(status), codes);
      }
      ops.set(`${method.toUpperCase()} ${path}`, statuses);
    }
  }
  return {
    ops,
    allows(op, status, code) {
      const statuses = ops.get(op);
      const codes = statuses?.get(status);
      if (!codes) return false;
      if (status < 400) return true;
      return code !== undefined && codes.has(code);
    },
  };
}
