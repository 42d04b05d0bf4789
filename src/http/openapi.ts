import { OpenAPIRegistry, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors';

export { OpenAPIRegistry };

export const errorBody = z
  .object({
    error: z.string().meta({ description: 'A short human sentence, safe to show.' }),
    code: z.string().meta({ description: 'Stable machine-readable code.' }),
    requestId: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retryAfter: z.number().int().optional().meta({ description: 'Seconds, mirrors the Retry-After header.' }),
    failureCode: z.string().optional().meta({ description: "Runway's stable failure code, when there is one." }),
  })
  .meta({ id: 'Error', example: { error: 'The avatar session did not become ready in time.', code: 'SESSION_TIMEOUT', requestId: '3f0c…' } });

/** OpenAPI responses for the given error codes, grouped by status, each listing its codes. */
export function errorResponses(...codes: ErrorCode[]): Record<string, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code].message}`).join(' '),
      content: { 'application/json': { schema: errorBody } },
    };
  }
  return responses;
}
