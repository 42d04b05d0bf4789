import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildOpenApiDocument, openApiYaml } from '../../src/ops/openapi';
import { describeWithChromium, launchChromium } from '../support/chromium';
import { startHarness, type Harness } from '../support/harness';

// The API reference at /docs, as a person sees it: Debian's Chromium loads the page from the broker on
// loopback and must render the routes with nothing fetched from any other origin (air-gapped use).

const SESSION_SUMMARY = 'Start an avatar session and get one-time WebRTC credentials';

let harness: Harness;
let origin: string;

beforeAll(async () => {
  harness = await startHarness();
  origin = await harness.listen();
});

afterAll(async () => {
  await harness?.close();
});

describe('API reference routes', () => {
  it('serves the generated document as JSON and YAML, without credentials', async () => {
    const json = await fetch(`${origin}/openapi.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual(buildOpenApiDocument());

    const yaml = await fetch(`${origin}/openapi.yaml`);
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(await yaml.text()).toBe(openApiYaml());
  });

  it('relaxes the CSP for /docs only: the page pins its inline script by hash, the API keeps helmet defaults', async () => {
    const page = await fetch(`${origin}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script src="/docs/scalar.js">');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // no CDN
    const pageCsp = page.headers.get('content-security-policy') ?? '';
    expect(pageCsp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(pageCsp).not.toContain("'unsafe-eval'");

    const api = await fetch(`${origin}/openapi.json`);
    const apiCsp = api.headers.get('content-security-policy') ?? '';
    expect(apiCsp).toContain("script-src 'self';");
    expect(apiCsp).not.toContain('sha256-');
    const missing = await fetch(`${origin}/api/nothing-here`);
    expect(missing.headers.get('content-security-policy')).toBe(apiCsp);
  });

  it('serves the Scalar bundle from this origin', async () => {
    const bundle = await fetch(`${origin}/docs/scalar.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
  });
});

describeWithChromium('test/browser/docs.test.ts')('API reference page in Chromium', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders the routes, with every request answered by the broker itself', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const foreign: string[] = [];
    const failed: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== origin) foreign.push(request.url());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
    });
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(`console ${message.type()}: ${message.text()}`);
    });

    const response = await page.goto(`${origin}/docs`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    // Rendered by Scalar from /openapi.json: the session route's summary and its path.
    await page.getByText(SESSION_SUMMARY).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByText('/api/avatar/session').first().waitFor({ state: 'attached', timeout: 5_000 });
    await page.getByText('Operations').first().waitFor({ state: 'attached', timeout: 5_000 });
    // A second for late requests (Scalar loads some parts lazily) to show up in the checks below.
    await page.waitForTimeout(1_000);

    const dir = mkdtempSync(join(tmpdir(), 'broker-docs-'));
    const screenshot = join(dir, 'docs.png');
    await page.screenshot({ path: screenshot, fullPage: false });
    process.stderr.write(`test/browser/docs.test.ts: screenshot of /docs at ${screenshot}\n`);
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);

    expect(foreign).toEqual([]);
    expect(failed).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
