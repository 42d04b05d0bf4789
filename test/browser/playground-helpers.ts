import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

// Helpers for the /playground and /console browser tests (test/browser/playground*.test.ts, console*.test.ts): build the bundles, watch what a page
// requests and what its CSP refuses, run axe-core, and optionally refresh the README screenshots.

const ROOT = join(__dirname, '..', '..');

/** Builds dist/web (esbuild, a few seconds) so the pages test the current sources. */
export function buildWebBundles(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { cwd: ROOT, stdio: 'inherit' });
}

/** Every request and WebSocket the page opens; CSP violations are collected for cspViolations(). */
export async function watchPage(page: Page): Promise<{ urls: string[] }> {
  const urls: string[] = [];
  page.on('request', (req) => urls.push(req.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  // A string: the tests compile without the DOM library.
  await page.addInitScript(`
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  `);
  return { urls };
}

export async function cspViolations(page: Page): Promise<string[]> {
  return (await page.evaluate('window.cspViolations || []')) as string[];
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations (evaluated over CDP, so the page's CSP is untouched). */
export async function seriousA11yViolations(page: Page): Promise<{ id: string; impact: string; nodes: number; help: string }[]> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(`
    axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help })))
  `)) as { id: string; impact: string; nodes: number; help: string }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** With SCREENSHOTS=1 the tests refresh docs/images/<name>.png (shown in the README). */
export async function maybeScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS !== '1') return;
  mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'docs', 'images', `${name}.png`), fullPage: true });
}
