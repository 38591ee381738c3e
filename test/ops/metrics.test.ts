import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { call, graphql, login, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

// GET /metrics (SPEC §12): Prometheus' text format, parsed by a Prometheus text parser, its
// counters moving with the requests made; loopback only by default, a bearer token when set.

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { LOGIN_MAX_FAILURES: '2' } });
});

afterAll(() => server?.close());

async function scrape(url = server.url, token?: string): Promise<MetricFamily[]> {
  const reply = await call(url, '/metrics', { token });
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusTextFormat(reply.text);
}

/** The value of one series (0 when it has not appeared yet). */
function valueOf(families: MetricFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value));
  return Number(sample?.value ?? sample?.count ?? 0);
}

describe('GET /metrics', () => {
  it('counts logins by door and outcome, and verifications by door and outcome', async () => {
    await server.app.keyway.services.users.create(
      { username: 'mona', password: 'a long enough password', role: 'viewer' },
      (await import('../../src/core/audit.js')).OPERATOR,
    );
    const before = await scrape();
    const { token } = await login(server.url, 'mona', 'a long enough password');
    await graphql(server.url, 'mutation { login(username: "mona", password: "wrong password") { token } }');
    await trpc(server.url, 'mutation', 'auth.login', { username: 'mona', password: 'wrong password' });
    await trpc(server.url, 'mutation', 'auth.login', { username: 'mona', password: 'wrong password' }); // the third: throttled
    await call(server.url, '/products', { token });
    await call(server.url, '/products', { token: `${token.slice(0, -4)}AAAA` });
    await graphql(server.url, '{ me { username } }', {}, token);
    await trpc(server.url, 'query', 'auth.me', undefined, token);
    await trpc(server.url, 'mutation', 'auth.verifyToken', { token: 'a.b.c' });
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect({
      restSuccess: moved('keyway_logins_total', { door: 'rest', outcome: 'success' }),
      graphqlFailure: moved('keyway_logins_total', { door: 'graphql', outcome: 'failure' }),
      trpcFailure: moved('keyway_logins_total', { door: 'trpc', outcome: 'failure' }),
      trpcThrottled: moved('keyway_logins_total', { door: 'trpc', outcome: 'throttled' }),
    }).toEqual({ restSuccess: 1, graphqlFailure: 1, trpcFailure: 1, trpcThrottled: 1 });
    expect({
      rest: [moved('keyway_token_verifications_total', { door: 'rest', outcome: 'success' }), moved('keyway_token_verifications_total', { door: 'rest', outcome: 'failure' })],
      graphql: moved('keyway_token_verifications_total', { door: 'graphql', outcome: 'success' }),
      trpc: [moved('keyway_token_verifications_total', { door: 'trpc', outcome: 'success' }), moved('keyway_token_verifications_total', { door: 'trpc', outcome: 'failure' })],
    }).toEqual({ rest: [1, 1], graphql: 1, trpc: [1, 1] });
  });

  it('counts second-factor challenges as mfa_required, and revoked sessions by reason', async () => {
    const before = await scrape();
    const a = await login(server.url, 'admin', ADMIN_PASSWORD);
    await graphql(server.url, 'mutation { logout }', {}, a.token);
    const b = await login(server.url, 'admin', ADMIN_PASSWORD);
    const c = await login(server.url, 'admin', ADMIN_PASSWORD);
    await trpc(server.url, 'mutation', 'sessions.revoke', { id: JSON.parse(Buffer.from(c.token.split('.')[1]!, 'base64url').toString()).sid }, b.token);
    await trpc(server.url, 'mutation', 'auth.logout', { allSessions: true }, b.token);
    const after = await scrape();
    const moved = (reason: string) => valueOf(after, 'keyway_sessions_revoked_total', { reason }) - valueOf(before, 'keyway_sessions_revoked_total', { reason });
    expect([moved('logout'), moved('session_revoked'), moved('logout_all')]).toEqual([1, 1, 1]);
  });

  it('times answers by door in a histogram, and reports the process and the database pool', async () => {
    // The parser keeps a histogram's buckets but not its labels, so each door's count is read from its `_count` line.
    const countOf = (text: string, door: string) =>
      Number(new RegExp(`^keyway_http_request_duration_seconds_count\\{door="${door}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = (await call(server.url, '/metrics')).text;
    await call(server.url, '/healthz');
    await graphql(server.url, '{ __typename }');
    await trpc(server.url, 'query', 'auth.me');
    const text = (await call(server.url, '/metrics')).text;
    expect(['rest', 'graphql', 'trpc'].map((door) => countOf(text, door) - countOf(before, door))).toEqual([1, 1, 1]);
    expect(text).toMatch(/^keyway_http_request_duration_seconds_bucket\{le="0\.005",door="rest"\} \d+$/m);

    const after = parsePrometheusTextFormat(text);
    expect(after.find((f) => f.name === 'keyway_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    const names = after.map((family) => family.name);
    expect(names).toEqual(expect.arrayContaining(['process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']));
    if (DB_KIND === 'postgres') {
      expect(valueOf(after, 'keyway_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    } else {
      expect(after.find((family) => family.name === 'keyway_db_pool_connections')?.metrics ?? []).toEqual([]);
    }
  });

  it('answers loopback clients only by default: a request forwarded from elsewhere through a trusted proxy is refused', async () => {
    const proxied = await startServer({ env: { TRUST_PROXY: 'loopback' } });
    try {
      const outside = await call(proxied.url, '/metrics', { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect([outside.status, outside.body]).toEqual([403, { error: 'Metrics are answered on loopback only unless METRICS_TOKEN is set' }]);
      expect((await call(proxied.url, '/metrics')).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('with METRICS_TOKEN set, answers that bearer token only', async () => {
    const guarded = await startServer({ env: { METRICS_TOKEN: 'a-scraper-token-0123456789' } });
    try {
      for (const token of [undefined, 'a-scraper-token-012345678', 'a-scraper-token-01234567890']) {
        const refused = await call(guarded.url, '/metrics', { token });
        expect([refused.status, refused.headers.get('www-authenticate'), refused.body]).toEqual([
          401,
          'Bearer realm="metrics"',
          { error: 'A bearer token (METRICS_TOKEN) is required' },
        ]);
      }
      expect((await scrape(guarded.url, 'a-scraper-token-0123456789')).length).toBeGreaterThan(0);
      expect((await call(guarded.url, '/metrics', { headers: { authorization: 'bearer a-scraper-token-0123456789' } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
