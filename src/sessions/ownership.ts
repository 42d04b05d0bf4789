import { AppError } from '../errors';
import type { ClientIdentity } from '../access/identity';
import { parse } from '../http/validate';
import type { SessionRecord, SessionRegistry } from '../store/registry';
import { sessionIdParams } from './schemas';

/**
 * The caller's own session record (admins may read any). Others' sessions answer 404, not 403:
 * existence is not revealed.
 */
export async function ownedRecord(registry: SessionRegistry, rawId: unknown, client: ClientIdentity): Promise<SessionRecord> {
  const { id } = parse(sessionIdParams, { id: rawId }, 'session id');
  const record = await registry.get(id.toLowerCase());
  const mayRead = record && (record.owner === client.id || client.scopes.includes('admin'));
  if (!mayRead) throw new AppError('NOT_FOUND', 'No such session.');
  return record;
}
