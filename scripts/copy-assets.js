// Copies the browser assets the built broker serves into dist/, so production needs no dev packages:
// the /docs page's standalone Scalar bundle (MIT) comes from the @scalar/api-reference dev dependency.
const { copyFileSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const target = join(root, 'dist', 'ops', 'assets');
mkdirSync(target, { recursive: true });
const scalar = dirname(require.resolve('@scalar/api-reference', { paths: [root] }));
copyFileSync(join(scalar, 'browser', 'standalone.js'), join(target, 'scalar-standalone.js'));
// The package's exports hide package.json; it sits one level above dist/.
const pkg = JSON.parse(readFileSync(join(scalar, '..', 'package.json'), 'utf8'));
writeFileSync(join(target, 'scalar-NOTICE.txt'), `scalar-standalone.js is ${pkg.name} ${pkg.version}, ${pkg.license} license, by ${pkg.author?.name ?? pkg.author ?? 'Scalar'} (${pkg.homepage ?? pkg.repository?.url ?? ''}).\n`);
