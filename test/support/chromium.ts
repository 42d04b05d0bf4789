import { available, describeWith, TOOLS } from './requires';
import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium, driven by playwright-core. Locally a missing browser skips the suite with a
// message; under CI it fails, because CI must install it (.ci/run).

export const CHROMIUM = TOOLS.chromium.bin;

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

const present = available(TOOLS.chromium);

/** `describe` for browser tests (test/support/requires.ts: skipped with a message locally, failing under CI when Chromium is missing). */
export function describeWithChromium(_file: string): jest.Describe {
  // A describe whose stand-in (test/support/requires.ts) replaces the body when Chromium is missing.
  return ((name: string, body: () => void) => describeWith(TOOLS.chromium, name, body)) as unknown as jest.Describe;
}

/** A fresh browser (launch() gives each a temporary user-data-dir). */
export async function launchChromium(): Promise<Browser> {
  if (!present) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}
