// Bundles the browser pages the broker serves (/playground, /console) with esbuild: React,
// @runwayml/avatars-react and livekit-client are compiled in at build time, so the pages load
// nothing from a CDN. Output: dist/web/<name>-<hash>.js|.css (immutable, content-hashed) and
// dist/web/manifest.json, which src/playground/assets.ts reads to link the current files.
//   node scripts/build-web.js            build
//   node scripts/build-web.js --report   build, then print raw and gzipped sizes (BENCHMARKS.md) and
//                                        fail if a page exceeds its gzipped budget
const { build } = require('esbuild');
const { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const { gzipSync } = require('node:zlib');

const root = join(__dirname, '..');
const out = join(root, 'dist', 'web');
const ENTRIES = { playground: 'web/playground/main.tsx', console: 'web/console/main.ts' };
/** Gzipped KB per page (issue 14: the playground within 400 KB). */
const BUDGET_KB = { playground: 400, console: 50 };

/**
 * Writes a file by rename, and only when its content changed: a broker (or a test running in
 * parallel) serving dist/web never sees a missing or half-written bundle while this runs.
 */
function writeAtomically(file, contents) {
  if (existsSync(file) && readFileSync(file).equals(Buffer.from(contents))) return;
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, file);
}

async function main() {
  mkdirSync(out, { recursive: true });
  const result = await build({
    write: false,
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: out,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome120', 'firefox120', 'safari16'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  const manifest = {};
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    if (!info.entryPoint) continue;
    const name = Object.keys(ENTRIES).find((key) => join(root, ENTRIES[key]) === join(root, info.entryPoint));
    manifest[name] = { js: basename(file), ...(info.cssBundle ? { css: basename(info.cssBundle) } : {}) };
  }
  writeAtomically(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
  // Bundles of earlier builds go once nothing links them (content-hashed names).
  const current = new Set(['manifest.json', ...result.outputFiles.map((f) => basename(f.path))]);
  for (const name of readdirSync(out)) if (!current.has(name) && !name.endsWith('.tmp')) rmSync(join(out, name), { force: true });
  if (process.argv.includes('--report')) report(manifest);
}

function report(manifest) {
  for (const [name, files] of Object.entries(manifest)) {
    let raw = 0;
    let gzip = 0;
    for (const file of Object.values(files)) {
      const bytes = readFileSync(join(out, file));
      raw += bytes.length;
      gzip += gzipSync(bytes, { level: 9 }).length;
    }
    const kb = gzip / 1024;
    console.log(`${name}: ${(raw / 1024).toFixed(1)} KB raw, ${kb.toFixed(1)} KB gzipped, budget ${BUDGET_KB[name]} KB (${Object.values(files).join(' + ')})`);
    if (kb > BUDGET_KB[name]) {
      console.error(`${name}: over its ${BUDGET_KB[name]} KB gzipped budget`);
      process.exitCode = 1;
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
