import { AppError } from '../errors';
import { parse } from '../http/validate';
import type { SessionRecord, SessionRegistry } from './registry';
import { sessionIdParams } from './schemas';

/** The caller's own session record. Others' sessions answer 404, not 403: existence is not revealed. */
export async function ownedRecord(registry: SessionRegistry, rawId: string, owner: string): Promise<SessionRecord> {
  const { id } = parse(sessionIdParams, { id: rawId }, 'session id');
  const record = await registry.get(id.toLowerCase());
  if (!record || record.owner !== owner) throw new AppError('NOT_FOUND', 'No such session.');
  return record;
}
