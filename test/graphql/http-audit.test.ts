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

  it('reports what it does not do of the SHOULDs and MAYs', () => {
    const others = results.filter((result) => level(result) !== 'MUST' && result.status !== 'ok');
    for (const result of others) console.info(`  ${result.status}: ${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(results.length).toBeGreaterThan(30);
  });
});
