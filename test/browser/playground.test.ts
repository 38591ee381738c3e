import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { call, login } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) console.warn("*** Browser test SKIPPED: no /usr/bin/chromium (apt-get install -y chromium; .ci/run does) ***");

// One browser run is enough: the page does not depend on the database.
describe.runIf(DB_KIND === 'pglite' && existsSync(CHROMIUM))('the GraphQL playground in a real browser', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    // Debian's Chromium, never a downloaded one; no background traffic (the machine has no network).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the page under a strict Content-Security-Policy, to browsers only', async () => {
    const page = await call(server.url, '/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/https?:\/\//);
    const api = await call(server.url, '/graphql', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(400);
  });

  it('renders an editor and runs { me { username } } with the token pasted in its headers pane', { timeout: 60_000 }, async () => {
    const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));

    await page.goto(`${server.url}/graphql`);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');

    const replaceText = async (selector: string, text: string) => {
      await page.click(`${selector} .CodeMirror-lines`);
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(text);
    };
    await replaceText('.graphiql-query-editor', '{ me { username } }');
    await page.click('button:has-text("Headers")');
    await replaceText('.graphiql-editor-tool .graphiql-editor:not(.hidden)', `{"Authorization": "Bearer ${token}"}`);
    await page.click('.graphiql-execute-button');

    const result = page.locator('.result-window');
    await result.getByText('"username": "admin"').waitFor({ timeout: 15_000 });
    const shown = await page
      .locator('.result-window .CodeMirror')
      .evaluate((editor) => (editor as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
    expect(JSON.parse(shown)).toEqual({ data: { me: { username: 'admin' } } });
    await page.screenshot({ path: join(tmpdir(), 'keyway-playground.png') });

    // Everything came from Keyway itself: nothing from the internet.
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((url) => !url.startsWith(server.url))).toEqual([]);
    expect(failures).toEqual([]);
    await page.close();
  });
});
