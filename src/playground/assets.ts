import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The browser bundles scripts/build-web.js writes into dist/web: content-hashed file names, listed
// in manifest.json. Compiled, this module is dist/playground/assets.js, so the bundles sit at
// ../web; run from source (tests), they are at <repo>/dist/web.

export interface PageAssets {
  js: string;
  css?: string;
}

export type Manifest = Partial<Record<'playground' | 'console', PageAssets>>;

const CANDIDATES = [join(__dirname, '..', 'web'), join(__dirname, '..', '..', 'dist', 'web')];

export function webDir(): string | undefined {
  return CANDIDATES.find((dir) => existsSync(join(dir, 'manifest.json')));
}

export function readManifest(dir: string | undefined): Manifest {
  return dir ? (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest) : {};
}
