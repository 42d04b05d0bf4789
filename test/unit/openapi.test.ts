import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiYaml } from '../../src/ops/openapi';

describe('OpenAPI document', () => {
  it('is committed exactly as the code generates it (run `npm run openapi` after changing routes)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.yaml'), 'utf8');
    expect(committed).toBe(openApiYaml());
  });
});
