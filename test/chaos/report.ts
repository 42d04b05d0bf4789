import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from './workload';

// Writes a section of RELIABILITY.md between `<!-- name:start -->` and `<!-- name:end -->`,
// creating the file or the section when missing; other sections are left as they are.

const FILE = join(__dirname, '..', '..', 'RELIABILITY.md');

export function writeSection(name: string, title: string, body: string): void {
  const text = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Reliability\n\nWhat the broker survives, measured, with the commands to reproduce each figure.\n';
  const block = `<!-- ${name}:start -->\n## ${title}\n\n${body.trim()}\n<!-- ${name}:end -->`;
  const pattern = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
  writeFileSync(FILE, pattern.test(text) ? text.replace(pattern, block) : `${text.trimEnd()}\n\n${block}\n`);
}

export interface ChaosFigures {
  seed: number;
  sessions: number;
  concurrency: number;
  durationMs: number;
  settledMs: number;
  actions: { [k: string]: number };
  upstreamSessions: number;
  faults: { [kind: string]: number };
  events: string[];
  responses: { [k: string]: number };
  connectionLost: number;
  aborted: number;
  delivered: number;
  invariants: { orphans: number; doubleConsumes: number; credentialsTwice: number; undocumented: number; hangs: number; slotsHeld: number };
  undocumented: Response[];
  reaper: string;
}

export function writeChaosReport(f: ChaosFigures): void {
  const ok = (n: number) => (n === 0 ? '0 ✅' : `**${n}** ❌`);
  const lines = [
    `Command: \`CHAOS_SEED=${f.seed} npm run chaos\` (full run; \`npm test\` runs the same suite seeded with 150 sessions).`,
    `Written ${new Date().toISOString()} by test/chaos/chaos.test.ts. Crash safety (journal + reaper): ${f.reaper}.`,
    '',
    'Topology: two `dist/main.js` brokers on one `redis-server`, the standalone emulator (`dist/emulator/main.js`) with',
    'fault rules on create, retrieve, consume and delete (test/chaos/faults.ts) and 5% of sessions ending FAILED; all on loopback.',
    '',
    '| Figure | Value |',
    '|---|---|',
    `| client actions (seed ${f.seed}) | ${f.sessions}: ${Object.entries(f.actions).map(([k, v]) => `${k} ${v}`).join(', ')} (concurrency ${f.concurrency}) |`,
    `| upstream sessions created | ${f.upstreamSessions} |`,
    `| credentials delivered | ${f.delivered} |`,
    `| client aborts mid-poll / connections lost to kills | ${f.aborted} / ${f.connectionLost} |`,
    `| faults injected | ${Object.entries(f.faults).map(([k, v]) => `${k} ${v}`).join(', ')} |`,
    `| kills and restarts | ${f.events.join('; ')} |`,
    `| duration / settle after the workload | ${(f.durationMs / 1000).toFixed(1)} s / ${(f.settledMs / 1000).toFixed(1)} s |`,
    `| orphans (ledger) | ${ok(f.invariants.orphans)} |`,
    `| double consumes (ledger) | ${ok(f.invariants.doubleConsumes)} |`,
    `| credentials delivered twice | ${ok(f.invariants.credentialsTwice)} |`,
    `| responses outside the documented table | ${ok(f.invariants.undocumented)} |`,
    `| hung requests (> 30 s) | ${ok(f.invariants.hangs)} |`,
    `| concurrency slots held at the end | ${ok(f.invariants.slotsHeld)} |`,
    '',
    '<details><summary>Responses by operation, status and code</summary>',
    '',
    ...Object.entries(f.responses)
      .sort()
      .map(([k, v]) => `- ${k}: ${v}`),
    '',
    '</details>',
  ];
  if (f.undocumented.length > 0) lines.push('', 'Undocumented responses (first 20):', '', ...f.undocumented.map((r) => `- ${r.op} → ${r.status} ${r.code ?? ''} (${r.broker})`));
  writeSection('chaos', 'Chaos', lines.join('\n'));
}
