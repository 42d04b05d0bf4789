import { lstatSync, mkdirSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// main.ts's first import, so it covers every module after it: V8 keeps the code it compiles on disk
// (written when the process exits) and the next boot reuses it instead of compiling again.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off; NODE_COMPILE_CACHE=dir moves it (Node then enables it
// itself). By default it is <os.tmpdir()>/node-compile-cache, used only when this user owns it and no
// one else can write there: a shared /tmp must not let another account plant code. Anything else, a
// read-only filesystem included, means booting without it.

function ownDirectory(dir: string): boolean {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  const stat = lstatSync(dir);
  return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}

try {
  const dir = join(tmpdir(), 'node-compile-cache');
  if (!process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE && ownDirectory(dir)) enableCompileCache(dir);
} catch {
  // never a reason not to boot
}
