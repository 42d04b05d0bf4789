import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import helmet from 'helmet';

// The API reference: the OpenAPI document (generated once, here, from the same code as
// openapi/openapi.yaml) and Scalar's interactive page. Everything the page needs comes from this
// origin — the Scalar bundle ships in node_modules — so it works with no network (air-gapped
// deployments, CI). No auth: the document describes the API, it holds no secrets.

export const DOCS_PATHS = { page: '/docs', bundle: '/docs/scalar.js', json: '/openapi.json', yaml: '/openapi.yaml' } as const;

/**
 * Scalar's standalone browser bundle (one self-contained file). @scalar/api-reference does not export
 * the path, so it is found next to the package's main entry.
 */
/**
 * The standalone Scalar bundle: copied into dist/ops/assets by the build (scripts/copy-assets.js), so
 * the production image needs no @scalar/api-reference package; straight from the dev dependency when
 * running from source (tests).
 */
export function scalarBundlePath(): string {
  const built = join(__dirname, 'assets', 'scalar-standalone.js');
  if (existsSync(built)) return built;
  return join(dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');
}

/** Renders the page once: the HTML is static, which lets the CSP pin its inline script by hash. */
function renderPage(): string {
  let html: string | undefined;
  // Loaded with the first docs request, like the document itself.
  const { apiReference } = require('@scalar/express-api-reference') as typeof import('@scalar/express-api-reference');
  const handler = apiReference({
    pageTitle: 'characters-broker API reference',
    url: DOCS_PATHS.json,
    cdn: DOCS_PATHS.bundle,
    // Offline: system fonts instead of Scalar's font CDN, no telemetry, no developer toolbar.
    withDefaultFonts: false,
    telemetry: false,
    showDeveloperTools: 'never',
    favicon: 'data:,', // an empty icon, so browsers do not ask this API for /favicon.ico
    // Scalar's hosted services (AI agent, MCP generator) are unreachable offline and not ours to offer.
    ...{ agent: { disabled: true }, mcp: { disabled: true } },
  }) as unknown as (req: unknown, res: { type(t: string): { send(body: string): void } }) => void;
  handler({}, { type: () => ({ send: (body: string) => void (html = body) }) });
  if (!html) throw new Error('@scalar/express-api-reference rendered nothing');
  return html;
}

const inlineScripts = (html: string): string[] =>
  [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');

/**
 * helmet's defaults stay app-wide; the page alone gets a CSP Scalar can run under: its own bundle,
 * its inline bootstrap script pinned by hash, inline styles (Vue binds style attributes), data:/blob:
 * images and fonts. connect-src 'self' lets "Test request" reach this broker and nothing else.
 */
function pageSecurity(html: string): RequestHandler {
  const hashes = inlineScripts(html).map((body) => `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'", ...hashes],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'worker-src': ["'self'", 'blob:'],
        // Served over plain http (compose, http://broker:8080), helmet's default would rewrite the page's
        // own bundle request to https, which nothing answers. Behind TLS everything is https anyway.
        'upgrade-insecure-requests': null,
      },
    },
  });
}

interface Assets {
  json: string;
  yaml: string;
  page: string;
  bundle: string;
}

let assets: Assets | undefined;

/**
 * Built on the first docs request and kept: the document depends on code only, never on
 * configuration. Not at boot: generating it (and loading every feature's OpenAPI module) was a large
 * share of the broker's start-up time, for pages few requests ask for.
 */
function docsAssets(): Assets {
  if (!assets) {
    const { buildOpenApiDocument, openApiYaml } = require('./openapi') as typeof import('./openapi');
    const document = buildOpenApiDocument();
    assets = { json: JSON.stringify(document), yaml: openApiYaml(document), page: renderPage(), bundle: scalarBundlePath() };
  }
  return assets;
}

export function docsRouter(): Router {
  const router = Router();
  router.get(DOCS_PATHS.json, (_req, res) => {
    res.type('application/json').send(docsAssets().json);
  });
  router.get(DOCS_PATHS.yaml, (_req, res) => {
    res.type('application/yaml').send(docsAssets().yaml);
  });
  router.get(DOCS_PATHS.bundle, (_req, res, next) => {
    res.sendFile(docsAssets().bundle, { maxAge: '1h', dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
  let security: RequestHandler | undefined;
  router.get(
    DOCS_PATHS.page,
    (req, res, next) => (security ??= pageSecurity(docsAssets().page))(req, res, next),
    (_req, res) => {
      res.type('html').send(docsAssets().page);
    },
  );
  return router;
}
