import type {
  AvatarCreateParams,
  AvatarGetUsageParams,
  AvatarGetUsageResponse,
  AvatarRetrieveResponse,
  AvatarUpdateParams,
} from '@runwayml/sdk/resources/avatars';
import { AppError, type ErrorCode } from '../errors';
import * as shape from './shapes';
import { checked } from './shapes';
import type { CallOptions, Upstream } from './upstream';

export type Avatar = AvatarRetrieveResponse;
export type AvatarCreate = AvatarCreateParams;
export type AvatarUpdate = AvatarUpdateParams;
export type AvatarUsage = AvatarGetUsageResponse;

/** One page of a Runway list, in Runway's own shape. Shared by the management APIs. */
export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface PageQuery {
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** The SDK's CursorPage keeps `data` and `nextCursor` but drops `hasMore`; it is derived the SDK's way. */
export function toPage<T>(page: { data: T[]; nextCursor: string; hasNextPage(): boolean }): Page<T> {
  return { data: page.data, hasMore: page.hasNextPage(), nextCursor: page.nextCursor || null };
}

/** Turns the generic upstream 404 into the resource's own code, with a message naming what is missing. */
export async function notFoundAs<T>(call: Promise<T>, code: ErrorCode, message: string, details?: Record<string, unknown>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') throw new AppError(code, message, { cause: err, details });
    throw err;
  }
}

export const avatarNotFound = (id: string) => `Avatar ${id} does not exist.`;

/** Runway's avatar operations. */
export class AvatarsApi {
  constructor(private readonly upstream: Upstream) {}

  /** Never retried: a repeated POST would create a second avatar. */
  create(params: AvatarCreate, options: CallOptions = {}): Promise<Avatar> {
    return this.upstream.once(
      'avatars.create',
      ({ signal, timeout }) => this.upstream.sdk.avatars.create(params, { signal, timeout }),
      { what: 'creating the avatar', ...options },
    ).then(this.checked<Avatar>(shape.avatar, 'avatars.create', 'creating the avatar'));
  }

  retrieve(id: string, options: CallOptions = {}): Promise<Avatar> {
    const call = this.upstream.idempotent(
      'avatars.retrieve',
      ({ signal, timeout }) => this.upstream.sdk.avatars.retrieve(id, { signal, timeout }),
      { what: 'reading the avatar', ...options },
    );
    return notFoundAs(call, 'AVATAR_NOT_FOUND', avatarNotFound(id)).then(this.checked<Avatar>(shape.avatar, 'avatars.retrieve', 'reading the avatar'));
  }

  async list(query: PageQuery, options: CallOptions = {}): Promise<Page<Avatar>> {
    const page = await this.upstream.idempotent(
      'avatars.list',
      ({ signal, timeout }) => this.upstream.sdk.avatars.list(query, { signal, timeout }),
      { what: 'listing avatars', ...options },
    );
    return toPage(this.checked<typeof page>(shape.page(shape.avatar), 'avatars.list', 'listing avatars')(page));
  }

  /**
   * A PATCH sets whole values, so repeating it is harmless and it is retried, except when it
   * carries a new reference image: a retry after a lost success would meet the re-processing avatar
   * and answer 409. Runway's 409 here always means "still processing".
   */
  async update(id: string, params: AvatarUpdate, options: CallOptions = {}): Promise<Avatar> {
    const run = ({ signal, timeout }: { signal: AbortSignal; timeout: number }) => this.upstream.sdk.avatars.update(id, params, { signal, timeout });
    const callOptions = { what: 'updating the avatar', ...options };
    const call = params.referenceImage === undefined ? this.upstream.idempotent('avatars.update', run, callOptions) : this.upstream.once('avatars.update', run, callOptions);
    try {
      return this.checked<Avatar>(shape.avatar, 'avatars.update', 'updating the avatar')(await notFoundAs(call, 'AVATAR_NOT_FOUND', avatarNotFound(id)));
    } catch (err) {
      if (err instanceof AppError && err.code === 'CONFLICT') throw avatarProcessing(id, err);
      throw err;
    }
  }

  delete(id: string, options: CallOptions = {}): Promise<void> {
    const call = this.upstream.idempotent(
      'avatars.delete',
      async ({ signal, timeout }) => {
        await this.upstream.sdk.avatars.delete(id, { signal, timeout });
      },
      { what: 'deleting the avatar', ...options },
    );
    return notFoundAs(call, 'AVATAR_NOT_FOUND', avatarNotFound(id));
  }

  usage(query: AvatarGetUsageParams, options: CallOptions = {}): Promise<AvatarUsage> {
    return this.upstream.idempotent(
      'avatars.usage',
      ({ signal, timeout }) => this.upstream.sdk.avatars.getUsage(query, { signal, timeout }),
      { what: 'reading avatar usage', ...options },
    ).then(this.checked<AvatarUsage>(shape.avatarUsage, 'avatars.usage', 'reading avatar usage'));
  }

  /** `value` if it has the shape we read, else 502 UPSTREAM_INVALID_RESPONSE (see shapes.ts). */
  private checked<T>(schema: Parameters<typeof checked>[0], op: string, what: string): (value: T) => T {
    return (value) => checked(schema, value, what, { logger: this.upstream.options.logger, op });
  }
}

export function avatarProcessing(id: string, cause?: unknown): AppError {
  return new AppError(
    'AVATAR_PROCESSING',
    `Avatar ${id} is still processing its reference image. Wait until GET /api/avatars/${id} reports status READY (usually under a minute), then send the new image again.`,
    { cause, details: { avatarId: id, status: 'PROCESSING' } },
  );
}
