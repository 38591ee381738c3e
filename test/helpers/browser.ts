import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireInCi } from './ci.js';
import { DB_KIND } from './database.js';

/** Debian's Chromium, never a downloaded one. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether a browser test runs: once, with PGlite (pages do not depend on the database). Without
 * Chromium, CI fails here, so a CI image without it cannot pass while testing nothing.
 */
export function browserTestsRun(what: string): boolean {
  return DB_KIND === 'pglite' && requireInCi(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install -y chromium, as .ci/run does)`, what);
}

/** Chromium with no background traffic (the machine has no network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Everything a page requested, and everything that went wrong on it: errors, failed requests, answers ≥ 400. */
export function watchPage(page: Page) {
  const requested: string[] = [];
  const requestBodies: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => {
    requested.push(request.url());
    requestBodies.push(request.postData() ?? '');
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
  });
  return { requested, requestBodies, problems };
}
