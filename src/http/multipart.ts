import type { RequestHandler } from 'express';
import { AppError } from '../errors';

export interface FileField {
  /** Form field that carries the file. */
  field: string;
  maxBytes: number;
  /** Words for errors, e.g. "The image". */
  label: string;
}

/**
 * One optional file plus plain text fields, held in memory. Runs only for multipart bodies, so the
 * same route also takes JSON. multer's own errors become AppErrors (it would otherwise be a 500).
 */
export function multipartFile({ field, maxBytes, label }: FileField): RequestHandler {
  let upload: RequestHandler | undefined;
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const multer = loadMulter();
    upload ??= multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 21, fieldNestingDepth: 0 },
    }).single(field);
    upload(req, res, (err: unknown) => next(err === undefined || err === null ? undefined : fromMulter(err, { field, maxBytes, label })));
  };
}

// multer (and busboy) load with the first multipart body, not at boot: only admin uploads (avatar images,
// document files) use them.
const loadMulter = () => require('multer') as typeof import('multer');

function fromMulter(err: unknown, { field, maxBytes, label }: FileField): AppError {
  const code = err instanceof loadMulter().MulterError ? err.code : undefined;
  switch (code) {
    case 'LIMIT_FILE_SIZE':
      return new AppError('PAYLOAD_TOO_LARGE', `${label} is larger than the limit of ${maxBytes} bytes.`, { details: { maxBytes } });
    case 'LIMIT_FIELD_VALUE':
      return new AppError('PAYLOAD_TOO_LARGE', 'A form field is larger than 64 KiB.');
    case 'LIMIT_FILE_COUNT':
    case 'LIMIT_UNEXPECTED_FILE':
      return new AppError('INVALID_REQUEST', `Send at most one file, in the "${field}" field.`, {
        issues: [{ path: field, message: `Only one file, in the "${field}" field, is accepted.` }],
      });
    case undefined:
      return new AppError('INVALID_REQUEST', 'The multipart body could not be read.', { cause: err });
    default:
      return new AppError('INVALID_REQUEST', 'The multipart body has too many or malformed fields.', { cause: err });
  }
}

/**
 * Bodies must be JSON or multipart; anything else is refused instead of being silently read as
 * empty. A request without a body passes (validation then names the missing fields).
 */
export function jsonOrMultipart(): RequestHandler {
  return (req, _res, next) => {
    if (req.is(['application/json', 'multipart/form-data']) === false) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json or multipart/form-data.');
    }
    next();
  };
}

/**
 * Multipart text fields are strings; fields that are objects or arrays in JSON (voice,
 * documentIds) may be sent JSON-encoded. Anything that does not parse stays a string for
 * validation to judge.
 */
export function formFields(body: unknown, jsonFields: readonly string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...(body as Record<string, unknown> | undefined) };
  for (const name of jsonFields) {
    const raw = fields[name];
    if (typeof raw !== 'string' || !/^\s*[[{]/.test(raw)) continue;
    try {
      fields[name] = JSON.parse(raw);
    } catch {
      // leave it to the schema
    }
  }
  return fields;
}
