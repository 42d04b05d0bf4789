// `npm run docs:config`: rewrites .env.example and the README's configuration and error tables from
// the code's own tables (SETTINGS, ERROR_CODES). Tests fail when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS } from '../config';
import { ERROR_CODES } from '../errors';

const root = join(__dirname, '..', '..');
const settings = Object.entries(SETTINGS) as [string, { default?: string; secret?: boolean; doc: string }][];

const env = ['# characters-broker configuration. Every variable is optional; the values shown are the defaults.', '# Copy to .env: `npm start`, `npm run emulator` and docker compose read it when present; variables set in the environment win.', '# Development on the embedded emulator (NODE_ENV=development, no key) uses looser limits where a setting says so.', ''];
for (const [name, s] of settings) env.push(`# ${s.doc}`, `${s.default === undefined || s.secret ? '# ' : ''}${name}=${s.default ?? ''}`, '');
writeFileSync(join(root, '.env.example'), env.join('\n'));

const cell = (text: string) => text.replace(/\|/g, '\\|');
const configTable = ['| Variable | Default | Meaning |', '|---|---|---|'];
for (const [name, s] of settings) configTable.push(`| \`${name}\` | ${s.default ? `\`${s.default}\`` : '(unset)'} | ${cell(s.doc)} |`);
const errorTable = ['| Status | Code | Meaning |', '|---|---|---|'];
for (const [code, e] of Object.entries(ERROR_CODES)) errorTable.push(`| ${e.status} | \`${code}\` | ${e.message} |`);

let readme = readFileSync(join(root, 'README.md'), 'utf8');
for (const [marker, table] of [['config-table', configTable], ['error-table', errorTable]] as const) {
  const pattern = new RegExp(`(<!-- ${marker}:start -->\\n)[\\s\\S]*?(<!-- ${marker}:end -->)`);
  if (!pattern.test(readme)) throw new Error(`README.md lacks the ${marker} markers`);
  readme = readme.replace(pattern, `$1${table.join('\n')}\n$2`);
}
writeFileSync(join(root, 'README.md'), readme);
process.stdout.write('wrote .env.example and README.md tables\n');
