import { AppError } from '../errors';

// Runway takes JPEG, PNG and WebP reference images. The type is read from the bytes themselves:
// a declared mimetype or file extension is only the client's claim.

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export const IMAGE_EXTENSIONS: Record<ImageType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

const startsWith = (buf: Uint8Array, bytes: number[], at = 0) => bytes.every((b, i) => buf[at + i] === b);

/** The image type from its magic bytes, or undefined when it is none of the accepted ones. */
export function sniffImage(buf: Uint8Array): ImageType | undefined {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  // RIFF....WEBP
  if (startsWith(buf, [0x52, 0x49, 0x46, 0x46]) && startsWith(buf, [0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return undefined;
}

const DATA_URI = /^data:(image\/(?:jpeg|jpg|png|webp));base64,/i;

/** Whether a data: URI declares an accepted image type and its first bytes really are that type. */
export function dataUriImageProblem(uri: string): string | undefined {
  const match = DATA_URI.exec(uri);
  if (!match) return 'Must be a base64 data:image/jpeg, data:image/png or data:image/webp URI.';
  // 16 base64 characters decode to the 12 bytes the WebP signature needs.
  const head = Buffer.from(uri.slice(match[0].length, match[0].length + 16), 'base64');
  const sniffed = sniffImage(head);
  if (!sniffed) return 'The data is not a JPEG, PNG or WebP image.';
  const declared = match[1]!.toLowerCase().replace('image/jpg', 'image/jpeg');
  if (sniffed !== declared) return `The URI says ${declared} but the data is ${sniffed}.`;
  return undefined;
}

const ACCEPTED_DECLARED = new Set(['image/jpeg', 'image/jpg', 'image/pjpeg', 'image/png', 'image/webp', 'application/octet-stream', '']);

/** Checks an uploaded file; returns its real type and a safe file name for Runway. */
export function checkUploadedImage(file: { buffer: Buffer; mimetype: string; size: number }, field: string): { type: ImageType; filename: string } {
  const issue = (message: string) => new AppError('INVALID_REQUEST', `The uploaded image is not usable: ${message}`, { issues: [{ path: field, message }] });
  if (file.size === 0) throw issue('The file is empty.');
  if (!ACCEPTED_DECLARED.has(file.mimetype.toLowerCase())) throw issue(`Files of type ${file.mimetype} are not accepted; send JPEG, PNG or WebP.`);
  const type = sniffImage(file.buffer);
  if (!type) throw issue('The file content is not a JPEG, PNG or WebP image.');
  return { type, filename: `reference.${IMAGE_EXTENSIONS[type]}` };
}
