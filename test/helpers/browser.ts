import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from './process.js';

/** Debian's Chromium (`.ci/run` installs it when absent); override with SWITCHBOARD_TEST_CHROMIUM. */
export const chromiumPath = process.env.SWITCHBOARD_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Browser tests run wherever Chromium is installed, and always under CI (where a missing browser fails them). */
export const browserTestsEnabled = existsSync(chromiumPath) || process.env.CI === 'true';

export const screenshotDir = join(repoRoot, 'test-artifacts', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(`Chromium is not installed at ${chromiumPath}: apt-get install -y chromium (or set SWITCHBOARD_TEST_CHROMIUM).`);
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // The machine's network is closed: Chromium's own background traffic would only fail (and slow it down).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves a full-page screenshot as a test artifact; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
