import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createClient as createGraphqlSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/audit.js';
import { createTestDatabase, DB_KIND, type TestDatabase } from '../helpers/database.js';
import { login, trpc } from '../helpers/http.js';
import { freePort, startServer, type TestServer } from '../helpers/server.js';
import { openEventStream, trpcSubscriber, type EventStream } from '../helpers/sse.js';

// Issue 20's whole path: two Keyway instances on one PostgreSQL; a session logged out on `a`; every
// consumer of `b` refuses it in time: `b` itself, its SSE feed, its tRPC and GraphQL subscriptions,
// and keyway/verify in a process of its own, following `b`'s feed with a machine client's token.

const ISSUER = 'https://keyway.test';
const TRIES = 10;
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const sidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;
const subjectOf = (set: string): string => JSON.parse(Buffer.from(set.split('.')[1]!, 'base64url').toString()).sub_id.id;

/** A service using the built keyway/verify: told a token to watch, it verifies it until refused and says when (epoch ms). */
const SERVICE = `
import { createInterface } from 'node:readline';
const { createVerifier } = await import('keyway/verify');
const { ISSUER, URL, CLIENT_ID, CLIENT_SECRET } = process.env;
const verifier = await createVerifier({ issuer: ISSUER, url: URL, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
console.log(JSON.stringify({ ready: verifier.feed }));
for await (const token of createInterface({ input: process.stdin })) {
  if (!(await verifier.verify(token)).ok) { console.log(JSON.stringify({ error: 'refused at once' })); continue; }
  console.log(JSON.stringify({ watching: true }));
  for (;;) {
    const result = await verifier.verify(token);
    if (!result.ok) { console.log(JSON.stringify({ refusedAt: Date.now(), reason: result.reason })); break; }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
await verifier.close();
`;

describe.runIf(DB_KIND === 'postgres')('a logout on one instance, seen by every consumer of another', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let service: ChildProcessWithoutNullStreams;
  let answers: AsyncIterator<string>;
  let feed: EventStream;
  const told: Record<'trpc' | 'graphql', Map<string, number>> = { trpc: new Map(), graphql: new Map() };
  const stops: Array<() => void> = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startServer({ database, env: { JWT_ISSUER: ISSUER } });
    const port = await freePort();
    b = await startServer({ database, port, env: { JWT_ISSUER: ISSUER, PUBLIC_URL: `http://127.0.0.1:${port}` } });
    await a.app.keyway.services.users.create({ username: 'nina', password: 'nina-password', role: 'viewer' }, OPERATOR);
    const admin = (await login(a.url, 'admin', 'correct horse battery')).token;
    const created = await trpc(a.url, 'mutation', 'clients.create', { name: 'every consumer', role: 'viewer' }, admin);
    const { client, secret } = created.body.result.data;
    const grant = await fetch(`${b.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const token = ((await grant.json()) as { access_token: string }).access_token;
    const headers = { authorization: `Bearer ${token}` };

    feed = await openEventStream(`${b.url}/events/revocations`, headers);

    const rpc = trpcSubscriber(b.url, token);
    const subscription = rpc.auth.revocations.subscribe(undefined, { onData: ({ data }) => told.trpc.set(data.sessionId, Date.now()) });
    stops.push(() => subscription.unsubscribe());

    const gql = createGraphqlSseClient({ url: `${b.url}/graphql/stream`, headers, retryAttempts: 0 });
    const stop = gql.subscribe<{ revocations: { sessionId: string } }>(
      { query: 'subscription { revocations { sessionId } }' },
      { next: ({ data }) => data && told.graphql.set(data.revocations.sessionId, Date.now()), error: () => {}, complete: () => {} },
    );
    stops.push(stop, () => gql.dispose());

    service = spawn(process.execPath, ['--input-type=module', '-e', SERVICE], {
      env: { ...process.env, ISSUER, URL: b.url, CLIENT_ID: client.clientId, CLIENT_SECRET: secret },
    });
    answers = createInterface({ input: service.stdout })[Symbol.asyncIterator]();
    expect(JSON.parse((await answers.next()).value)).toEqual({ ready: 'connected' });
  });

  afterAll(async () => {
    for (const stop of stops) stop();
    feed?.close();
    service?.stdin.end();
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  it(`is refused by b, its feed, its subscriptions and a keyway/verify process, ${TRIES} times over`, { timeout: 120_000 }, async () => {
    const delays: Record<'b' | 'feed' | 'trpc' | 'graphql' | 'verifier', number[]> = { b: [], feed: [], trpc: [], graphql: [], verifier: [] };
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const { token } = await login(a.url, 'nina', 'nina-password');
      const sid = sidOf(token);
      service.stdin.write(`${token}\n`);
      expect(JSON.parse((await answers.next()).value)).toEqual({ watching: true });
      const refusedByService = answers.next();

      expect((await trpc(a.url, 'mutation', 'auth.logout', {}, token)).body.result.data).toBe(true);
      const committed = Date.now();
      // b, asked in this process every millisecond: the propagation, not HTTP round trips.
      while (b.app.keyway.services.resolvePrincipal(`Bearer ${token}`, 'rest').ok && Date.now() - committed < 2000) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      delays.b.push(Date.now() - committed);
      const refusal = JSON.parse((await refusedByService).value);
      expect(refusal.reason).toBe('SESSION_REVOKED');
      delays.verifier.push(refusal.refusedAt - committed);
      await feed.until((stream) => stream.events.some((event) => subjectOf(event.data) === sid), 2000);
      delays.feed.push(feed.arrivals[feed.events.findIndex((event) => subjectOf(event.data) === sid)]! - committed);
      for (const consumer of ['trpc', 'graphql'] as const) {
        await expect.poll(() => told[consumer].has(sid), { timeout: 2000, interval: 5 }).toBe(true);
        delays[consumer].push(told[consumer].get(sid)! - committed);
      }
    }
    console.log(`delays (ms) over ${TRIES} logouts: ${JSON.stringify(delays)}`);
    // Every consumer within the second Keyway promises; the tighter goals are the bench's (README).
    for (const [consumer, measured] of Object.entries(delays)) expect([consumer, Math.max(...measured) < 1000]).toEqual([consumer, true]);
    expect(median(delays.verifier)).toBeLessThanOrEqual(100);
  });
});
