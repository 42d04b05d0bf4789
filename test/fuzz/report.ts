// Writes the figures of a fuzz run into the `## Fuzzing` section of RELIABILITY.md (other sections untouched).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { KNOWN, type FuzzResult } from './fuzz';

const FILE = join(__dirname, '../../RELIABILITY.md');

const INTRO = `# Reliability

What the broker has been shown to survive, measured on this repository's own test rigs, with the command that
reproduces each figure. Every section is produced by its tool; numbers are from the machine named in it.

| Suite | Load held | Faults / bad inputs tried | Lost or leaked | Reproduce |
|---|---|---|---|---|
`;

/** The Fuzzing row of the summary table at the top of the file. */
function summaryRow(r: FuzzResult): string {
  return (
    `| [Fuzzing](#fuzzing) | ${r.requests} contract-derived requests, 16 in flight | valid, boundary and mutated bodies, queries, headers, paths; ` +
    `18 credential kinds; 1 % upstream faults per kind | ${r.violations.length} invariant violations, ${r.violations.filter((v) => v.invariant.startsWith('no-secret')).length} secrets leaked | \`npm run fuzz\` |`
  );
}

function withSummaryRow(text: string, row: string): string {
  const lines = text.split('\n');
  const existing = lines.findIndex((l) => l.startsWith('| [Fuzzing]'));
  if (existing !== -1) lines[existing] = row;
  else {
    const header = lines.findIndex((l) => l.startsWith('| Suite |'));
    if (header === -1) return text;
    lines.splice(header + 2, 0, row);
  }
  return lines.join('\n');
}

export function fuzzingSection(r: FuzzResult): string {
  const statuses = [...new Set([...r.byRoute.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const routes = [...r.byRoute.keys()].sort();
  const rows = routes.map((route) => {
    const m = r.byRoute.get(route)!;
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    return `| \`${route}\` | ${total} | ${statuses.map((s) => m.get(s) ?? '').join(' | ')} |`;
  });
  const totals = statuses.map((s) => [...r.byRoute.values()].reduce((n, m) => n + (m.get(s) ?? 0), 0));
  const known = new Map<string, number>();
  for (const f of r.known) known.set(f.known!, (known.get(f.known!) ?? 0) + 1);
  return `## Fuzzing

Property-based requests generated with fast-check from the committed \`openapi/openapi.yaml\` (\`test/fuzz/\`):
valid, boundary and mutated bodies (JSON and multipart), query strings, headers and path segments, with every kind
of credential (anonymous, client API key, read-only key, admin key, HS256 JWT, expired / wrongly signed / wrong
audience / \`exp\`-less JWTs, wrong key, malformed \`Authorization\`), against every documented operation of a
real broker wired to the real emulator. Invariants checked on every response: no 5xx other than documented
502/503/504 codes; every error body matches the \`Error\` schema with a code the document lists for that operation
and status; every status is documented for its operation; every 2xx body validates (ajv) against its documented
schema; documented response headers are present; no API key, admin key, JWT secret, sessionKey or LiveKit token
appears in any response other than its one delivery, or in any log line; credentials that are present but
invalid get 401.

Reproduce: \`FUZZ_RUNS=${r.requests >= 10000 ? 10000 : r.requests} FUZZ_SEED=${r.seed} npm run fuzz\` (\`npm test\` runs a seeded 2 000-request pass).

| Figure | Value |
|---|---|
| Requests | ${r.requests} |
| Operations covered | ${r.byRoute.size - [...r.byRoute.keys()].filter((k) => k.startsWith('(off route)')).length} of ${r.operations.length} documented |
| Seed | ${r.seed} |
| Duration | ${(r.durationMs / 1000).toFixed(1)} s on ${cpus().length} cores shared with other work (load average ${loadavg()[0]!.toFixed(1)} at the end) |
| Invariant violations | **${r.violations.length}** |
| Known defects hit (left to their owners, see below) | ${r.known.length} |

Defects the fuzzer found and that were fixed (issue 11): the document did not list \`422 UPSTREAM_REJECTED\` for
the by-id avatar, document and conversation routes (Runway refuses an id that is a UUID but not a v4 one, e.g.
\`9fb2710f-16d4-5660-8000-000100000012\`), nor \`415 UNSUPPORTED_MEDIA_TYPE\` for \`POST /api/avatars/{id}/documents\`
(a JSON body in an unsupported charset), nor \`422 UPSTREAM_REJECTED\` for \`GET /api/avatar/session/{id}/conversation\`
(Runway refusing the conversation read, found with an injected upstream 400).

${
  known.size
    ? `Known defects, counted but not failing the run (each is an entry in \`KNOWN\` in \`test/fuzz/fuzz.ts\`, to be deleted with its fix):\n\n${[...known].map(([id, n]) => `- \`${id}\`: ${KNOWN.find((k) => k.id === id)?.what ?? ''}; ${n} responses`).join('\n')}\n`
    : ''
}
Requests by route and status (\`(off route)\`: a mutated path segment such as \`..\` or an empty id, or an
undocumented method, where only the route-independent invariants apply):

| Route | Total | ${statuses.join(' | ')} |
|---|---|${statuses.map(() => '---|').join('')}
${rows.join('\n')}
| **All** | **${r.requests}** | ${totals.map((t) => `**${t}**`).join(' | ')} |
`;
}

export function writeFuzzingSection(r: FuzzResult, file = FILE): void {
  const section = fuzzingSection(r);
  let text = withSummaryRow(existsSync(file) ? readFileSync(file, 'utf8') : INTRO, summaryRow(r));
  const start = text.indexOf('\n## Fuzzing');
  if (start === -1) text = `${text.trimEnd()}\n\n${section}`;
  else {
    const next = text.indexOf('\n## ', start + 1);
    text = `${text.slice(0, start)}\n${section}${next === -1 ? '' : text.slice(next)}`;
  }
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}
