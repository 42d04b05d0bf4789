// The committed OpenAPI document, read as the fuzzer's source of truth: operations, their parameter and
// body schemas (with $refs resolved), the statuses and error codes each one documents, and ajv validators.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';

export type Schema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface DocumentedResponse {
  /** Codes named in the description (`CODE`: …); empty when the document names none for this status. */
  codes: string[];
  /** Media type → resolved schema. */
  content: Record<string, Schema>;
  /** Required response headers and their schemas. */
  headers: Record<string, Schema>;
}

export interface Operation {
  key: string; // e.g. "POST /api/avatar/session"
  method: string;
  path: string;
  operationId: string;
  /** No security requirement at all (health probes, metrics): credentials are ignored. */
  public: boolean;
  /** Only the admin key is documented (security: adminKey). */
  adminOnly: boolean;
  parameters: Parameter[];
  /** Media type → resolved schema, or undefined when the operation takes no body. */
  body?: Record<string, Schema>;
  bodyExample?: unknown;
  responses: Record<string, DocumentedResponse>;
}

export interface Contract {
  document: Schema;
  operations: Operation[];
  /** Every code the document names anywhere. */
  allCodes: Set<string>;
  errorSchema: Schema;
  validator(schema: Schema): ValidateFunction;
  /** ajv's last errors for a validator, as one short line. */
  validatorErrors(fn: ValidateFunction): string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Resolves local $refs (the document has no cycles). */
function deref(document: Schema, node: unknown): any {
  if (Array.isArray(node)) return node.map((n) => deref(document, n));
  if (!node || typeof node !== 'object') return node;
  const ref = (node as Schema).$ref;
  if (typeof ref === 'string') {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((at, part) => at?.[part], document);
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    return deref(document, target);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(document, v)]));
}

const codesIn = (description: unknown): string[] =>
  typeof description === 'string' ? [...description.matchAll(/`([A-Z][A-Z_]+)`:/g)].map((m) => m[1]!) : [];

export function loadContract(path = join(__dirname, '../../openapi/openapi.yaml')): Contract {
  const document = parse(readFileSync(path, 'utf8')) as Schema;
  const operations: Operation[] = [];
  const allCodes = new Set<string>();
  for (const [path, item] of Object.entries<Schema>(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const security: Schema[] = op.security ?? document.security ?? [];
      const responses: Record<string, DocumentedResponse> = {};
      for (const [status, raw] of Object.entries<Schema>(op.responses ?? {})) {
        const r = deref(document, raw ?? {});
        const codes = codesIn(r.description);
        codes.forEach((c) => allCodes.add(c));
        const content = Object.fromEntries(Object.entries<Schema>(r.content ?? {}).map(([type, media]) => [type, media.schema ?? {}]));
        const headers = Object.fromEntries(
          Object.entries<Schema>(r.headers ?? {})
            .filter(([, h]) => h.required)
            .map(([name, h]) => [name.toLowerCase(), h.schema ?? {}]),
        );
        responses[status] = { codes, content, headers };
      }
      const body = op.requestBody ? deref(document, op.requestBody) : undefined;
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        public: security.length === 0,
        adminOnly: security.length > 0 && security.every((s) => 'adminKey' in s),
        parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Schema) => {
          const resolved = deref(document, p);
          return { name: resolved.name, in: resolved.in, required: Boolean(resolved.required), schema: resolved.schema ?? {} };
        }),
        body: body ? Object.fromEntries(Object.entries<Schema>(body.content).map(([type, media]) => [type, media.schema ?? {}])) : undefined,
        bodyExample: body?.content?.['application/json']?.example ?? body?.content?.['application/json']?.schema?.example,
        responses,
      });
    }
  }
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  const compiled = new Map<Schema, ValidateFunction>();
  return {
    document,
    operations,
    allCodes,
    errorSchema: deref(document, document.components.schemas.Error),
    validator(schema) {
      let fn = compiled.get(schema);
      if (!fn) compiled.set(schema, (fn = ajv.compile(schema)));
      return fn;
    },
    validatorErrors: (fn) => ajv.errorsText(fn.errors, { separator: '; ' }).slice(0, 500),
  };
}
