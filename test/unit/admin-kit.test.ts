import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The management features share a kit in the toolkit (src/http/admin.ts, multipart.ts, openapi-admin.ts)
// instead of borrowing it from avatars/: documents, conversations and presets do not depend on avatars,
// and the toolkit depends on no feature.

const src = join(__dirname, '..', '..', 'src');
const importsOf = (dir: string) =>
  readdirSync(join(src, dir))
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(src, dir, f), 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)].map((m) => ({ file: `${dir}/${f}`, from: m[1]! })));

it.each(['documents', 'conversations', 'presets'])('%s/ does not import from avatars/', (feature) => {
  expect(importsOf(feature).filter((i) => i.from.startsWith('../avatars/'))).toEqual([]);
});

it('http/ imports no feature folder', () => {
  const features = /^\.\.\/(sessions|avatars|documents|conversations|presets|ops)\//;
  expect(importsOf('http').filter((i) => features.test(i.from))).toEqual([]);
});
