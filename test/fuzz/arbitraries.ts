// fast-check arbitraries derived from JSON Schemas: valid values, values at (and just past) every
// documented bound, and mutations of valid values (missing required fields, wrong types, extra keys).
import fc from 'fast-check';
import type { Schema } from './spec';

/** A uuid that the runner swaps for a live id of the matching resource (so valid ids hit real objects). */
export const POOL_UUID = '00000000-0000-4000-8000-00000000f00d';

/** Longest string actually generated: bounds beyond this are reached by `boundary` only. */
const CAP = 48;
/** Boundary strings longer than this are not built (the 5 MB data: URI bound is left to the body-limit test). */
const BOUNDARY_CAP = 12_000;

const printable = fc.string({ unit: fc.constantFrom(...Array.from('abcXYZ019 _-.:/%é😀\u0000"\'<>')), maxLength: CAP });
const weirdString = fc.oneof(
  printable,
  fc.constantFrom('', ' ', 'null', 'undefined', '0', '-1', '1e309', 'NaN', '__proto__', 'constructor', '../../etc/passwd', '%00', '\u202e', 'A'.repeat(300)),
);

/** Any JSON value, including types a schema does not expect. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  weirdString,
  fc.array(fc.oneof(fc.integer(), weirdString), { maxLength: 3 }),
  fc.dictionary(weirdString, fc.oneof(fc.integer(), weirdString, fc.constant(null)), { maxKeys: 3 }),
);

const types = (s: Schema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);

function pad(value: string, min: number, max: number): string {
  let out = value;
  while (out.length < min) out += 'a';
  return out.length > max ? out.slice(0, max) : out;
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min: number = s.minLength ?? 0;
  const max: number = s.maxLength ?? Math.max(min, CAP);
  if (s.format === 'uuid') return fc.oneof({ weight: 3, arbitrary: fc.constant(POOL_UUID) }, { weight: 2, arbitrary: fc.uuid() });
  if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'date') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (typeof s.pattern === 'string') {
    const matching = fc.stringMatching(new RegExp(s.pattern));
    return matching.map((v) => pad(v, min, max));
  }
  return fc.string({ minLength: Math.min(min, CAP), maxLength: Math.min(max, Math.max(min, CAP)) });
}

/** Strings of exactly the bound lengths, and one past each. */
function stringBoundary(s: Schema): fc.Arbitrary<string> | undefined {
  if (s.format || s.enum) return undefined;
  const lengths = [s.minLength, s.maxLength]
    .filter((n): n is number => typeof n === 'number')
    .flatMap((n) => [n - 1, n, n + 1])
    .filter((n) => n >= 0 && n <= BOUNDARY_CAP);
  if (!lengths.length) return undefined;
  const prefix = typeof s.pattern === 'string' ? (/^\^([a-z]+:(\\\/\\\/)?)/.exec(s.pattern)?.[1]?.replace(/\\/g, '') ?? '') : '';
  return fc.constantFrom(...lengths).map((n) => pad(prefix, n, n));
}

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (integer ? -1_000_000 : -1e6);
  const max = s.maximum ?? (integer ? 1_000_000 : 1e6);
  return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
}

function numberBoundary(s: Schema, integer: boolean): fc.Arbitrary<number> | undefined {
  const step = integer ? 1 : 0.5;
  const edges = [s.minimum, s.maximum].filter((n): n is number => typeof n === 'number').flatMap((n) => [n - step, n, n + step]);
  if (integer) edges.push(0.5 + (s.minimum ?? 0)); // a fraction where an integer is expected
  return edges.length ? fc.constantFrom(...edges) : undefined;
}

export interface Options {
  /** Mix in boundary values (valid and just-invalid). */
  boundary: boolean;
}

/** An arbitrary for values of `s`; with `boundary`, also values at and just past each documented bound. */
export function fromSchema(s: Schema, options: Options = { boundary: false }): fc.Arbitrary<unknown> {
  const withBoundary = <T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<T> | undefined): fc.Arbitrary<T> =>
    options.boundary && edge ? fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: edge }) : valid;
  const choices: fc.Arbitrary<unknown>[] = [];
  if (s.example !== undefined && !options.boundary) choices.push(fc.constant(s.example));
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  if (s.const !== undefined) return fc.constant(s.const);
  const alternatives: Schema[] | undefined = s.oneOf ?? s.anyOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => fromSchema(a, options)));
  for (const type of types(s)) {
    switch (type) {
      case 'null':
        choices.push(fc.constant(null));
        break;
      case 'string':
        choices.push(withBoundary(stringArb(s), stringBoundary(s)));
        break;
      case 'integer':
        choices.push(withBoundary(numberArb(s, true), numberBoundary(s, true)));
        break;
      case 'number':
        choices.push(withBoundary(numberArb(s, false), numberBoundary(s, false)));
        break;
      case 'boolean':
        choices.push(fc.boolean());
        break;
      case 'array': {
        const min = s.minItems ?? 0;
        const max = Math.min(s.maxItems ?? 3, 3);
        const items = fc.array(fromSchema(s.items ?? {}, options), { minLength: Math.min(min, max), maxLength: max });
        // an array one past maxItems, built from valid items
        const over =
          typeof s.maxItems === 'number' && s.maxItems <= 60
            ? fc.array(fromSchema(s.items ?? {}, { boundary: false }), { minLength: s.maxItems + 1, maxLength: s.maxItems + 1 })
            : undefined;
        choices.push(withBoundary(items, over));
        break;
      }
      case 'object':
        choices.push(objectArb(s, options));
        break;
    }
  }
  if (!types(s).length && s.properties) choices.push(objectArb(s, options));
  if (!choices.length) return anyJson; // {} accepts anything
  return choices.length === 1 ? choices[0]! : fc.oneof(...choices);
}

function objectArb(s: Schema, options: Options): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, Schema> = s.properties ?? {};
  const model = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, fromSchema(v, options)]));
  return fc.record(model, { requiredKeys: (s.required ?? []).filter((k: string) => k in properties) }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A valid-looking object with one thing wrong: a required key dropped, a value of the wrong type, or an extra key. */
export function mutated(s: Schema, valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(s.properties ?? {});
  return fc.tuple(valid, fc.nat(), anyJson, weirdString, fc.constantFrom('drop', 'retype', 'extra', 'wrap', 'deep')).map(([value, n, junk, extraKey, how]) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return junk;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const key = keys.length ? keys[n % keys.length]! : extraKey;
    if (how === 'drop') delete out[key];
    else if (how === 'retype') out[key] = junk;
    else if (how === 'extra') out[extraKey || 'extra'] = junk;
    else if (how === 'wrap') return [out];
    else out[key] = { nested: { deeper: [out[key], junk] } };
    return out;
  });
}

/**
 * Valid, boundary and mutated values of `s`, weighted towards valid ones so that 2xx paths are exercised:
 * the documented example as is, the example plus one more generated property, then anything the schema allows.
 */
export function fuzzValues(s: Schema, example?: unknown): fc.Arbitrary<unknown> {
  const valid = fromSchema(s);
  const choices: fc.WeightedArbitrary<unknown>[] = [
    { weight: 3, arbitrary: valid },
    { weight: 2, arbitrary: fromSchema(s, { boundary: true }) },
    { weight: 2, arbitrary: mutated(s, valid) },
    { weight: 1, arbitrary: anyJson },
  ];
  if (example && typeof example === 'object' && !Array.isArray(example)) {
    const properties: Record<string, Schema> = s.properties ?? {};
    const optional = Object.keys(properties).filter((k) => !(k in (example as object)));
    choices.push({ weight: 4, arbitrary: fc.constant(example) });
    if (optional.length) {
      const oneMore = fc.constantFrom(...optional).chain((k) => fromSchema(properties[k]!).map((v) => ({ ...(example as object), [k]: v })));
      choices.push({ weight: 3, arbitrary: oneMore });
    }
  }
  return fc.oneof(...choices);
}

export { weirdString, printable };
