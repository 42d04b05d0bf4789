// `npm run openapi`: regenerates the committed openapi/openapi.yaml from the code.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiYaml } from './openapi';

const target = join(__dirname, '..', '..', 'openapi', 'openapi.yaml');
writeFileSync(target, openApiYaml());
process.stdout.write(`wrote ${target}\n`);
