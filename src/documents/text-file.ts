import { AppError } from '../errors';

export const FILE_FIELD = 'file';

/** 200,000 characters of UTF-8 are at most 800,000 bytes (plus a BOM); larger files cannot fit. */
export const MAX_TEXT_FILE_BYTES = 200_000 * 4 + 3;

const TEXT_EXTENSION = /\.(txt|md|markdown)$/i;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads an uploaded .txt/.md file as text, refusing anything that is not plain UTF-8 text. */
export function readTextFile(file: { originalname: string; buffer: Buffer }): { name: string; content: string } {
  const issue = (message: string) => new AppError('INVALID_REQUEST', `The uploaded file is not usable: ${message}`, { issues: [{ path: FILE_FIELD, message }] });
  if (!TEXT_EXTENSION.test(file.originalname)) throw issue('Only .txt and .md files are accepted.');
  let content: string;
  try {
    content = decoder.decode(file.buffer);
  } catch {
    throw issue('The file is not valid UTF-8 text.');
  }
  if (content.includes('\u0000')) throw issue('The file looks binary (it contains NUL bytes).');
  const name = file.originalname.replace(/^.*[\\/]/, '').replace(TEXT_EXTENSION, '').slice(0, 255);
  return { name: name || 'Untitled', content: content.replace(/^\uFEFF/, '') };
}
