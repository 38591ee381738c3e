import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium, watchPage } from '../helpers/browser.js';
import { call, graphql, login } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

/** A page on the playground, with everything that went wrong on it collected. */
async function openPlayground(browser: Browser, server: TestServer) {
  const page = await browser.newPage();
  const { requested, requestBodies, problems } = watchPage(page);
  await page.goto(`${server.url}/graphql`);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  return { page, requested, requestBodies, problems };
}

type WithCodeMirror = { CodeMirror: { focus(): void; getValue(): string } };

async function replaceText(page: Page, selector: string, text: string) {
  // Focused through CodeMirror: a click on a narrow editor's long lines can land off the editor.
  await page.locator(`${selector} .CodeMirror`).evaluate((editor) => (editor as unknown as WithCodeMirror).CodeMirror.focus());
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

const HEADERS_PANE = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';

function editorText(page: Page, selector: string): Promise<string> {
  return page
    .locator(`${selector} .CodeMirror`)
    .evaluate((editor) => (editor as unknown as WithCodeMirror).CodeMirror.getValue());
}

/** Runs the query editor's operation and returns the result pane, parsed, once it shows `expected`. */
async function run(page: Page, query: string, expected: string): Promise<unknown> {
  await replaceText(page, '.graphiql-query-editor', query);
  await page.click('.graphiql-execute-button');
  await page.locator('.result-window').getByText(expected).waitFor({ timeout: 15_000 });
  return JSON.parse(await editorText(page, '.result-window'));
}

const runs = browserTestsRun('the playground browser tests');

describe.runIf(runs)('the GraphQL playground in a real browser', () => {
  let development: TestServer;
  let production: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [development, production] = await Promise.all([startServer(), startServer({ env: { NODE_ENV: 'production' } })]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([development?.close(), production?.close()]);
  });

  it('serves the page under a strict Content-Security-Policy, to browsers only', async () => {
    for (const server of [development, production]) {
      const page = await call(server.url, '/graphql', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.text).not.toMatch(/https?:\/\//);
      const api = await call(server.url, '/graphql', { headers: { accept: 'application/json' } });
      expect(api.status).toBe(400);
    }
  });

  it('serves the SDL of schema.graphql in production, where introspection stays refused to clients', async () => {
    const sdl = await call(production.url, '/graphql/schema.graphql');
    expect(sdl.status).toBe(200);
    expect(sdl.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(sdl.text).toBe(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
    const introspection = await graphql(production.url, '{ __schema { queryType { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(introspection.body.errors[0].message).toMatch(/introspection is not allowed/i);
  });

  it('renders an editor and runs { me { username } } with the token pasted in its headers pane', { timeout: 60_000 }, async () => {
    const { token } = await login(development.url, 'admin', ADMIN_PASSWORD);
    const { page, requested, problems } = await openPlayground(browser, development);

    await page.click('button:has-text("Headers")');
    await replaceText(page, HEADERS_PANE, `{"Authorization": "Bearer ${token}"}`);
    expect(await run(page, '{ me { username } }', '"username": "admin"')).toEqual({ data: { me: { username: 'admin' } } });
    await page.screenshot({ path: join(tmpdir(), 'keyway-playground.png') });

    // Everything came from Keyway itself: nothing from the internet.
    const assets = ['graphiql.css', 'react.js', 'react-dom.js', 'graphiql.js', 'playground.js'].map((file) => `${development.url}/graphql/assets/${file}`);
    expect(requested).toEqual(expect.arrayContaining([`${development.url}/graphql`, ...assets]));
    expect(requested.filter((url) => !url.startsWith(development.url))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens in production with docs and completion from the SDL, and no error', { timeout: 60_000 }, async () => {
    const { page, requested, requestBodies, problems } = await openPlayground(browser, production);

    // Docs: the explorer lists the root types and their fields.
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByRole('link', { name: 'Mutation' }).click();
    await docs.getByRole('link', { name: 'login', exact: true }).waitFor();
    await docs.getByText('Checks the password and opens a session.').waitFor();

    // Completion: typing inside `me { … }` offers User's fields.
    await replaceText(page, '.graphiql-query-editor', '{ me { ');
    await page.keyboard.type('user');
    await page.locator('.CodeMirror-hints .CodeMirror-hint', { hasText: 'username' }).waitFor();
    await page.keyboard.press('Escape');

    // A query runs (anonymous here: `verifyToken` is public).
    expect(await run(page, '{ verifyToken(token: "nonsense") { valid } }', '"valid": false')).toEqual({
      data: { verifyToken: { valid: false } },
    });
    await page.screenshot({ path: join(tmpdir(), 'keyway-playground-production.png') });

    expect(await page.getByText(/introspection/i).count()).toBe(0);
    expect(requestBodies.filter((body) => body.includes('__schema'))).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(production.url))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('signs in from its Sign in panel, which puts the token in the headers pane', { timeout: 60_000 }, async () => {
    const { page, problems } = await openPlayground(browser, production);
    const panel = page.locator('form.keyway-sign-in');
    const status = panel.getByRole('status');

    // The panel is open on arrival; a wrong password is said there, and no token is set.
    await panel.getByLabel('Username').fill('admin');
    await panel.getByLabel('Password').fill('not the password');
    await panel.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => status.textContent()).not.toMatch(/^(Signing in…)?$/);
    const refused = await graphql(production.url, 'mutation { login(username: "admin", password: "not the password") { token } }');
    expect(await status.textContent()).toBe(refused.body.errors[0].message);
    expect(await editorText(page, HEADERS_PANE)).toBe('{\n  "Authorization": "Bearer "\n}');

    // Signing in replaces a stale token, whatever its header's case, and keeps the other headers.
    await replaceText(page, HEADERS_PANE, '{"x-trace": "playground", "authorization": "Bearer stale"}');
    await panel.getByLabel('Password').fill(ADMIN_PASSWORD);
    await panel.getByRole('button', { name: 'Sign in' }).click();
    await status.getByText(/^Signed in as admin until .+: the token is in the Headers pane\.$/).waitFor();
    expect(await panel.getByLabel('Password').inputValue()).toBe('');

    const headers = JSON.parse(await editorText(page, HEADERS_PANE));
    expect(Object.keys(headers)).toEqual(['x-trace', 'Authorization']);
    expect(headers['x-trace']).toBe('playground');
    const token = (headers.Authorization as string).replace(/^Bearer /, '');
    expect((await graphql(production.url, '{ me { username } }', {}, token)).body).toEqual({ data: { me: { username: 'admin' } } });

    expect(await run(page, '{ me { username } }', '"username": "admin"')).toEqual({ data: { me: { username: 'admin' } } });
    expect(problems).toEqual([]);
    await page.close();
  });
});
