import type { OrganizationRetrieveResponse } from '@runwayml/sdk/resources/organization';
import type { Upstream } from './upstream';

/**
 * How many gwm1_avatars sessions the organization may run at once, or undefined when Runway does
 * not say. Read once at boot to size the global cap, on the lean JSON path (the SDK's client is
 * not loaded for it).
 */
export async function avatarConcurrency(upstream: Upstream): Promise<number | undefined> {
  const org = (await upstream.idempotent('organization.retrieve', (ctx) => upstream.json({ method: 'GET', path: '/v1/organization', ...ctx }), {
    what: "reading the organization's limits",
  })) as OrganizationRetrieveResponse | undefined;
  const limit = org?.tier?.models?.['gwm1_avatars']?.maxConcurrentGenerations;
  return typeof limit === 'number' && limit > 0 ? limit : undefined;
}
