import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium, driven by playwright-core. Locally a missing browser skips the suite with a
// message; under CI it fails, because CI must install it (.ci/run).

export const CHROMIUM = '/usr/bin/chromium';

// Headless, and nothing in the background that would try to reach the (closed) network.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const available = existsSync(CHROMIUM);

/** `describe` when Chromium can run (or CI requires it), `describe.skip` with a message otherwise. */
export function describeWithChromium(file: string): jest.Describe {
  if (available || process.env.CI) return describe;
  process.stderr.write(`${file}: ${CHROMIUM} is missing, skipping the browser test (apt-get install -y chromium)\n`);
  return describe.skip;
}

/** A fresh browser (launch() gives each a temporary user-data-dir). */
export async function launchChromium(): Promise<Browser> {
  if (!available) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}
