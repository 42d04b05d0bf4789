// Is dist/ built from the current sources? `check` exits 0 when it is (so `npm start` skips the
// compiler and listens in about a second), 1 when not; `write` records the current state after a build.
// The stamp is the path, size and mtime of every input, so edits, additions and deletions all count.
const { readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const STAMP = join(root, 'dist', '.build-stamp');
const INPUTS = ['src', 'web', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/copy-assets.js', 'scripts/build-web.js'];

function walk(path, out) {
  const stat = statSync(join(root, path), { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isDirectory()) for (const name of readdirSync(join(root, path)).sort()) walk(`${path}/${name}`, out);
  else out.push(`${path} ${stat.size} ${stat.mtimeMs}`);
}

const current = [];
for (const input of INPUTS) walk(input, current);
const text = current.join('\n');

if (process.argv[2] === 'write') writeFileSync(STAMP, text);
else {
  let recorded = null;
  try {
    recorded = readFileSync(STAMP, 'utf8');
  } catch {}
  process.exit(recorded === text ? 0 : 1);
}
