import { toFile } from '@runwayml/sdk';
import { checked, upload } from './shapes';
import type { CallOptions, Upstream } from './upstream';

/** Runway's ephemeral uploads: a file in, a `runway://` URI out, usable as an avatar's reference image. */
export class UploadsApi {
  constructor(private readonly upstream: Upstream) {}

  /**
   * Never retried: each attempt mints a new upload slot. The SDK needs a file name with a media
   * extension, so callers pass one derived from the sniffed type, never the client's own name.
   */
  createEphemeral(data: Buffer, filename: string, options: CallOptions = {}): Promise<string> {
    return this.upstream.once(
      'uploads.createEphemeral',
      async ({ signal, timeout }) => {
        const file = await toFile(data, filename);
        return this.upstream.sdk.uploads.createEphemeral({ file }, { signal, timeout });
      },
      { what: 'uploading the image', ...options },
    ).then((created) => checked(upload, created, 'uploading the image', { logger: this.upstream.options.logger, op: 'uploads.createEphemeral' }).uri);
  }
}
