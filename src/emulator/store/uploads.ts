import { createHmac } from 'node:crypto';
import type { StoreEnv } from './env';

export interface UploadRecord {
  id: string;
  filename: string;
  key: string;
  runwayUri: string;
  createdAt: number;
  expiresAt: number;
  received: { size: number; contentType: string; metadata: string | null; at: number } | null;
}

export class UploadStore {
  private readonly uploads = new Map<string, UploadRecord>();
  private readonly signingKey: string;

  constructor(private readonly env: StoreEnv) {
    this.signingKey = env.rng.ids.hex(16);
  }

  create(filename: string): UploadRecord {
    const id = this.env.rng.ids.uuid();
    const now = Date.now();
    const upload: UploadRecord = {
      id,
      filename,
      key: `uploads/${id}/${filename}`,
      runwayUri: `runway://uploads/${id}/${encodeURIComponent(filename)}`,
      createdAt: now,
      expiresAt: now + this.env.settings.uploadTtlMs,
      received: null,
    };
    this.uploads.set(id, upload);
    return upload;
  }

  /** S3-style presigned POST fields; the storage route checks the signature. */
  fields(upload: UploadRecord): Record<string, string> {
    const policy = Buffer.from(
      JSON.stringify({ expiration: new Date(upload.expiresAt).toISOString(), conditions: [{ key: upload.key }] }),
    ).toString('base64');
    return { key: upload.key, policy, 'x-amz-signature': this.sign(policy) };
  }

  sign(policy: string): string {
    return createHmac('sha256', this.signingKey).update(policy).digest('hex');
  }

  byKey(key: string): UploadRecord | undefined {
    const id = key.split('/')[1];
    const upload = id === undefined ? undefined : this.uploads.get(id);
    return upload?.key === key ? upload : undefined;
  }

  byUri(uri: string): UploadRecord | undefined {
    return [...this.uploads.values()].find((u) => u.runwayUri === uri);
  }

  all(): UploadRecord[] {
    return [...this.uploads.values()];
  }
}
