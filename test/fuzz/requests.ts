// Requests generated from the contract: for each operation, path/query/header parameters, bodies in
// every documented media type (plus wrong ones), and a credential of every kind.
import fc from 'fast-check';
import { anyJson, fromSchema, fuzzValues, POOL_UUID, printable } from './arbitraries';
import type { Operation, Parameter, Schema } from './spec';
import { ALLOWED_ORIGIN, CREDENTIALS, type CredentialKind } from './world';

/** A path value that leaves the route (empty, a slash, dot segments): only route-independent checks apply. */
export type PathValue = { kind: 'value'; value: string } | { kind: 'raw'; value: string; reroutes: boolean };

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType: string }
  | { kind: 'text'; text: string; contentType: string | null }
  | { kind: 'multipart'; fields: Record<string, string>; file?: { field: string; name: string; type: string; bytes: 'png' | 'jpeg' | 'markdown' | 'junk' | 'latin1' } };

export interface FuzzRequest {
  /** Operation key, or the key of the operation whose path was called with an undocumented method. */
  op: string;
  method: string;
  path: Record<string, PathValue>;
  query: [string, string][];
  headers: Record<string, string>;
  credential: CredentialKind;
  body: Body;
  /** Picks among live ids for POOL_UUID placeholders. */
  pick: number;
}

const RAW_SEGMENTS: { value: string; reroutes: boolean }[] = [
  { value: 'not-a-uuid', reroutes: false },
  { value: '123', reroutes: false },
  { value: '%00', reroutes: false },
  { value: '%E0%A4%A', reroutes: false }, // broken percent-encoding
  { value: '%ZZ', reroutes: false },
  { value: 'A'.repeat(2000), reroutes: false },
  { value: '00000000-0000-0000-0000-000000000000', reroutes: false },
  { value: 'F0F0F0F0-0000-4000-8000-0000000000AA', reroutes: false },
  { value: '%7B%7D', reroutes: false },
  { value: '', reroutes: true },
  { value: '..', reroutes: true },
  { value: '%2E%2E%2F', reroutes: false },
  { value: 'a%2Fb', reroutes: false },
];

const pathValue = (p: Parameter): fc.Arbitrary<PathValue> =>
  fc.oneof(
    { weight: 6, arbitrary: fromSchema(p.schema).map((v) => ({ kind: 'value' as const, value: String(v) })) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS).map((r) => ({ kind: 'raw' as const, ...r })) },
    { weight: 1, arbitrary: printable.map((v) => ({ kind: 'value' as const, value: v })) },
  );

const queryValue = (p: Parameter): fc.Arbitrary<string[]> =>
  fc.oneof(
    { weight: 6, arbitrary: fromSchema(p.schema).map((v) => [String(v)]) },
    { weight: 2, arbitrary: fromSchema(p.schema, { boundary: true }).map((v) => [String(v)]) },
    { weight: 1, arbitrary: printable.map((v) => [v]) },
    // repeated parameter: Express turns it into an array
    { weight: 1, arbitrary: fc.tuple(fromSchema(p.schema), fromSchema(p.schema)).map(([a, b]) => [String(a), String(b)]) },
  );

function queryArb(op: Operation): fc.Arbitrary<[string, string][]> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const each = params.map((p) =>
    (p.required ? fc.oneof({ weight: 9, arbitrary: queryValue(p) }, { weight: 1, arbitrary: fc.constant([]) }) : fc.option(queryValue(p), { nil: [] as string[], freq: 2 })).map(
      (values) => values.map((v) => [p.name, v] as [string, string]),
    ),
  );
  const extra = fc.option(fc.tuple(fc.constantFrom('attempt', 'x', '__proto__', 'shape[x]', 'limit[]'), printable), { nil: undefined, freq: 4 });
  return fc.tuple(fc.tuple(...each), extra).map(([lists, e]) => [...lists.flat(), ...(e ? [e] : [])]);
}

function headerArb(op: Operation): fc.Arbitrary<Record<string, string>> {
  const params = op.parameters.filter((p) => p.in === 'header');
  const ascii = (v: unknown) => String(v).replace(/[^\x20-\x7e]/g, '?');
  const each = params.map((p) =>
    fc.option(
      fc.oneof(fromSchema(p.schema, { boundary: true }).map(ascii), fc.constantFrom('k1', 'k2', 'k3')).map((v) => [p.name, v] as const),
      { nil: undefined, freq: 2 },
    ),
  );
  const origin = fc.option(fc.constantFrom(ALLOWED_ORIGIN, 'https://evil.example', 'null'), { nil: undefined, freq: 5 });
  return fc.tuple(fc.tuple(...each), origin).map(([pairs, o]) => ({
    ...Object.fromEntries(pairs.filter((x): x is readonly [string, string] => Boolean(x))),
    ...(o ? { Origin: o } : {}),
  }));
}

/** Example uuids would always be unknown: point them at live ids instead. */
export const livenUuids = (value: unknown): unknown =>
  typeof value === 'string'
    ? /^[0-9a-f-]{36}$/i.test(value)
      ? POOL_UUID
      : value
    : Array.isArray(value)
      ? value.map(livenUuids)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, livenUuids(v)]))
        : value;

function multipartArb(schema: Schema): fc.Arbitrary<Body> {
  const properties: Record<string, Schema> = schema.properties ?? {};
  const binary = Object.keys(properties).find((k) => properties[k]!.format === 'binary');
  const textFields = Object.fromEntries(Object.entries(properties).filter(([k]) => k !== binary));
  const fields = fromSchema({ ...schema, properties: textFields, required: (schema.required ?? []).filter((k: string) => k !== binary) });
  const file = fc.record({
    name: fc.constantFrom('face.png', 'doc.md', 'notes.txt', 'x', 'evil".exe', 'a/b.md'),
    type: fc.constantFrom('image/png', 'image/jpeg', 'text/markdown', 'text/plain', 'application/octet-stream'),
    bytes: fc.constantFrom('png', 'jpeg', 'markdown', 'junk', 'latin1'),
  });
  return fc.tuple(fields, binary ? fc.option(file, { nil: undefined, freq: 6 }) : fc.constant(undefined)).map(([f, fl]) => ({
    kind: 'multipart' as const,
    fields: Object.fromEntries(Object.entries((f ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
    ...(fl && binary ? { file: { field: binary, ...fl } } : {}),
  }));
}

function bodyArb(op: Operation): fc.Arbitrary<Body> {
  const json = op.body?.['application/json'];
  const multipart = op.body?.['multipart/form-data'];
  const choices: fc.WeightedArbitrary<Body>[] = [];
  if (json) {
    const values = fuzzValues(json, op.bodyExample === undefined ? undefined : livenUuids(op.bodyExample));
    choices.push({ weight: 12, arbitrary: values.map((value) => ({ kind: 'json' as const, value, contentType: 'application/json' })) });
    choices.push({
      weight: 1,
      arbitrary: fc
        .tuple(values, fc.constantFrom('application/json; charset=utf-16', 'application/merge-patch+json', 'application/json; charset=latin1', 'APPLICATION/JSON'))
        .map(([value, contentType]) => ({ kind: 'json' as const, value, contentType })),
    });
  }
  if (multipart) choices.push({ weight: json ? 4 : 12, arbitrary: multipartArb(multipart) });
  if (op.body) {
    choices.push({
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('text' as const),
        text: fc.oneof(printable, fc.constantFrom('{', '{"avatarId":', 'null', '[]', '"x"', '{"a":1}{"b":2}', '\u0000', '{"__proto__":{"admin":true}}')),
        contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz', null),
      }),
    });
    choices.push({ weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) });
  } else {
    // a body where none is expected must be ignored or refused, never crash
    choices.push({ weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) });
    choices.push({ weight: 1, arbitrary: anyJson.map((value) => ({ kind: 'json' as const, value, contentType: 'application/json' })) });
  }
  return fc.oneof(...choices);
}

const credentialArb = (op: Operation): fc.Arbitrary<CredentialKind> => {
  const all = Object.keys(CREDENTIALS) as CredentialKind[];
  // Mostly credentials that can succeed on this operation, so that 2xx bodies get checked too.
  const likely: CredentialKind[] = op.adminOnly ? ['admin', 'adminXApiKey'] : ['anonymous', 'client', 'partner', 'admin', 'jwt'];
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...likely) }, { weight: 2, arbitrary: fc.constantFrom(...all) });
};

export function requestArb(op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  return fc.record({
    op: fc.constant(op.key),
    method: fc.constant(op.method),
    path: fc.tuple(...pathParams.map(pathValue)).map((values) => Object.fromEntries(pathParams.map((p, i) => [p.name, values[i]!]))),
    query: queryArb(op),
    headers: headerArb(op),
    credential: credentialArb(op),
    body: bodyArb(op),
    pick: fc.nat(),
  });
}

/** A documented path with a method it does not document. */
export function wrongMethodArb(ops: Operation[]): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(fc.constantFrom(...ops), fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST', 'GET'), fc.constantFrom(...(Object.keys(CREDENTIALS) as CredentialKind[]))).filter(([op, method]) => !ops.some((o) => o.path === op.path && o.method === method)).map(([op, method, credential]) => ({
    op: `${method} ${op.path}`,
    method,
    path: Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, { kind: 'value' as const, value: POOL_UUID }])),
    query: [],
    headers: {},
    credential,
    body: { kind: 'none' as const },
    pick: 0,
  }));
}
