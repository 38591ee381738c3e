import { auditServer, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let results: AuditResult[];

beforeAll(async () => {
  server = await startServer();
  results = await auditServer({ url: `${server.url}/graphql`, fetchFn: fetch });
});

afterAll(() => server?.close());

const level = (result: AuditResult) => result.name.split(' ')[0] as 'MUST' | 'SHOULD' | 'MAY';

describe('GraphQL over HTTP (graphql-http serverAudits)', () => {
  it('passes every MUST', () => {
    const counts = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] };
    for (const result of results) counts[level(result)][result.status === 'ok' ? 0 : 1]!++;
    console.info(
      `graphql-http audit: ${results.length} audits; ` +
        Object.entries(counts).map(([name, [ok, not]]) => `${name} ${ok} ok, ${not} not`).join('; '),
    );
    const failed = results.filter((result) => level(result) === 'MUST' && result.status !== 'ok');
    expect(failed.map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`)).toEqual([]);
  });

  it('misses only the SHOULDs and MAYs the README explains', () => {
    const others = results.filter((result) => level(result) !== 'MUST' && result.status !== 'ok');
    for (const result of others) console.info(`  ${result.status}: ${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(results.filter((result) => level(result) === 'MUST').length).toBe(13);
    expect(others.map((result) => result.name).sort()).toEqual([
      // GETs without a preflight header are refused as possible cross-site requests.
      'MAY accept application/x-www-form-urlencoded formatted GET requests',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
      // Apollo answers 400, not 200, for an invalid document sent with Accept: application/json.
      'SHOULD use 200 status code on document parsing failure when accepting application/json',
      'SHOULD use 200 status code on document validation failure when accepting application/json',
      'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
    ]);
  });
});
