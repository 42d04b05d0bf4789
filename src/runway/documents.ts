import type {
  DocumentCreateParams,
  DocumentListParams,
  DocumentListResponse,
  DocumentRetrieveResponse,
  DocumentUpdateParams,
} from '@runwayml/sdk/resources/documents';
import { notFoundAs, toPage, type Page, type PageQuery } from './avatars';
import * as shape from './shapes';
import { checked } from './shapes';
import type { CallOptions, Upstream } from './upstream';

export type KnowledgeDocument = DocumentRetrieveResponse;
export type DocumentSummary = DocumentListResponse;
export type DocumentCreate = DocumentCreateParams;
export type DocumentUpdate = DocumentUpdateParams;
export type DocumentListQuery = PageQuery & Pick<DocumentListParams, 'sort' | 'order'>;

export const documentNotFound = (id: string) => `Document ${id} does not exist.`;

/** Runway's knowledge-document operations. */
export class DocumentsApi {
  constructor(private readonly upstream: Upstream) {}

  /** Never retried: a repeated POST would create a duplicate document. */
  create(params: DocumentCreate, options: CallOptions = {}): Promise<KnowledgeDocument> {
    return this.upstream.once(
      'documents.create',
      ({ signal, timeout }) => this.upstream.sdk.documents.create(params, { signal, timeout }),
      { what: 'creating the document', ...options },
    ).then(this.checked<KnowledgeDocument>(shape.knowledgeDocument, 'documents.create', 'creating the document'));
  }

  retrieve(id: string, options: CallOptions = {}): Promise<KnowledgeDocument> {
    const call = this.upstream.idempotent(
      'documents.retrieve',
      ({ signal, timeout }) => this.upstream.sdk.documents.retrieve(id, { signal, timeout }),
      { what: 'reading the document', ...options },
    );
    return notFoundAs(call, 'DOCUMENT_NOT_FOUND', documentNotFound(id), { documentId: id }).then(
      this.checked<KnowledgeDocument>(shape.knowledgeDocument, 'documents.retrieve', 'reading the document'),
    );
  }

  async list(query: DocumentListQuery, options: CallOptions = {}): Promise<Page<DocumentSummary>> {
    const page = await this.upstream.idempotent(
      'documents.list',
      ({ signal, timeout }) => this.upstream.sdk.documents.list(query, { signal, timeout }),
      { what: 'listing documents', ...options },
    );
    return toPage(this.checked<typeof page>(shape.page(shape.documentSummary), 'documents.list', 'listing documents')(page));
  }

  /** Runway answers 204 without a body; read the document again for its new state. */
  update(id: string, params: DocumentUpdate, options: CallOptions = {}): Promise<void> {
    const call = this.upstream.idempotent(
      'documents.update',
      ({ signal, timeout }) => this.upstream.sdk.documents.update(id, params, { signal, timeout }),
      { what: 'updating the document', ...options },
    );
    return notFoundAs(call, 'DOCUMENT_NOT_FOUND', documentNotFound(id), { documentId: id });
  }

  /** Runway also detaches the document from every avatar. */
  delete(id: string, options: CallOptions = {}): Promise<void> {
    const call = this.upstream.idempotent(
      'documents.delete',
      async ({ signal, timeout }) => {
        await this.upstream.sdk.documents.delete(id, { signal, timeout });
      },
      { what: 'deleting the document', ...options },
    );
    return notFoundAs(call, 'DOCUMENT_NOT_FOUND', documentNotFound(id), { documentId: id });
  }

  /** `value` if it has the shape we read, else 502 UPSTREAM_INVALID_RESPONSE (see shapes.ts). */
  private checked<T>(schema: Parameters<typeof checked>[0], op: string, what: string): (value: T) => T {
    return (value) => checked(schema, value, what, { logger: this.upstream.options.logger, op });
  }
}
