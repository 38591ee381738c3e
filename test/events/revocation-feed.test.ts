import { createClient as createGraphqlSseClient } from 'graphql-sse';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/audit.js';
import { call, graphql, login, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, freePort, startServer, type TestServer } from '../helpers/server.js';
import { openEventStream, trpcSubscriber, type EventStream } from '../helpers/sse.js';
import { resign, EXPIRED } from '../helpers/tokens.js';

// The revocation feed of SPEC §14 on one instance: who may read it, what an event is (a Security Event
// Token that jose verifies against the JWKS), the replay and its resumption, and when a stream ends.
// Instances sharing PostgreSQL, and the other doors' subscriptions, are in cross-instance.test.ts.

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

let server: TestServer;
let admin: string;
let feed: string;
let keys: ReturnType<typeof createLocalJWKSet>;
const streams: EventStream[] = [];

beforeAll(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
  feed = `${server.url}/events/revocations`;
  keys = createLocalJWKSet((await call(server.url, '/.well-known/jwks.json')).body as JSONWebKeySet);
  // A user who may not follow the feed.
  await server.app.keyway.services.users.create({ username: 'vera', password: 'a long enough password', role: 'viewer' }, OPERATOR);
});

afterAll(async () => {
  for (const stream of streams) stream.close();
  await server?.close();
});

const sidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function open(headers: Record<string, string>): Promise<EventStream> {
  const stream = await openEventStream(feed, headers);
  streams.push(stream);
  return stream;
}

/** A machine client and a token of its, from the token endpoint. */
async function machineClient(name: string) {
  const created = await trpc(server.url, 'mutation', 'clients.create', { name, role: 'viewer' }, admin);
  const { client, secret } = created.body.result.data as { client: { id: number; clientId: string }; secret: string };
  const granted = await call(server.url, '/oauth/token', {
    method: 'POST',
    body: 'grant_type=client_credentials',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}` },
  });
  return { client, token: granted.body.access_token as string };
}

/** A fresh admin session, revoked by logging it out: its `sid`. */
async function revokedSession(): Promise<string> {
  const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
  expect((await trpc(server.url, 'mutation', 'auth.logout', undefined, token)).status).toBe(200);
  return sidOf(token);
}

const sessionsOf = (stream: EventStream) => stream.events.map((event) => event.data && subjectOf(event.data));
function subjectOf(set: string): string {
  return JSON.parse(Buffer.from(set.split('.')[1]!, 'base64url').toString()).sub_id.id;
}

describe('GET /events/revocations', () => {
  it('refuses anyone but a machine client or an admin, with the exact status and body', async () => {
    const user = (await login(server.url, 'vera', 'a long enough password')).token;
    const cases: Array<[Record<string, string>, number, unknown]> = [
      [{}, 401, { error: 'UNAUTHENTICATED', message: 'Authentication required' }],
      [{ authorization: 'Basic abc' }, 401, { error: 'UNAUTHENTICATED', message: 'Authorization header must be "Bearer <jwt>"' }],
      [bearer(`${admin.slice(0, -4)}AAAA`), 401, { error: 'UNAUTHENTICATED', message: 'Invalid token' }],
      [bearer(await resign(server, admin, EXPIRED())), 401, { error: 'TOKEN_EXPIRED', message: 'Token expired' }],
      [bearer(user), 403, { error: 'FORBIDDEN', message: 'Requires role admin, or a machine client' }],
    ];
    for (const [headers, status, body] of cases) {
      const stream = await open(headers);
      expect([stream.status, stream.refusal]).toEqual([status, body]);
      if (status === 401) expect(stream.headers.get('www-authenticate')).toBe('Bearer realm="keyway"');
    }
  });

  it('replays the revocations in force, then sends each new one, as Security Event Tokens jose verifies', async () => {
    const before = await revokedSession();
    const { token } = await machineClient('replay reader');
    const stream = await open(bearer(token));
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toBe('no-store');
    // The comment `replayed` follows the replay: what was revoked before connecting is told by then.
    await stream.until((s) => s.comments.includes('replayed'));
    expect(sessionsOf(stream)).toContain(before);
    const after = await revokedSession();
    await stream.until((s) => sessionsOf(s).includes(after));

    const event = stream.events.find((candidate) => subjectOf(candidate.data) === after)!;
    expect(event.event).toBe('session-revoked');
    expect(event.id).toMatch(/^\d+$/);
    expect(decodeProtectedHeader(event.data)).toMatchObject({ alg: 'RS256', typ: 'secevent+jwt' });
    const { payload } = await jwtVerify(event.data, keys, { issuer: server.url, typ: 'secevent+jwt' });
    expect(payload).toEqual({
      iss: server.url,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      sub_id: { format: 'opaque', id: after },
      events: { [SESSION_REVOKED]: { event_timestamp: expect.any(Number) } },
    });
    expect(Math.abs((payload.events as Record<string, { event_timestamp: number }>)[SESSION_REVOKED]!.event_timestamp - Date.now() / 1000)).toBeLessThan(10);
    // Ids are the order revocations were recorded in.
    const ids = stream.events.map((received) => Number(received.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // An event is no access token: it is refused as one.
    const asBearer = await trpc(server.url, 'query', 'auth.me', undefined, event.data);
    expect([asBearer.status, asBearer.body.error.data.domainCode]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('resumes after Last-Event-ID (a minute of overlap), and replays everything for an id that is not a sequence', async () => {
    // Recorded two minutes ago (written straight to the table), before the two revoked now.
    const [{ session_id: old }] = await server.app.keyway.database.orm.em
      .getConnection()
      .execute<{ session_id: string }[]>(
        `insert into session_revocations (session_id, user_id, reason, revoked_at) values (gen_random_uuid(), null, 'admin', now() - interval '2 minutes') returning session_id`,
      );
    const first = await revokedSession();
    const second = await revokedSession();
    const { token } = await machineClient('resuming reader');
    const whole = await open(bearer(token));
    await whole.until((s) => sessionsOf(s).includes(second));
    expect(sessionsOf(whole)).toContain(old);
    const firstId = whole.events.find((event) => subjectOf(event.data) === first)!.id!;

    const resumed = await open({ ...bearer(token), 'last-event-id': firstId });
    await resumed.until((s) => sessionsOf(s).includes(second));
    // Every later event; of the earlier ones, only those recorded less than a minute before it.
    expect(sessionsOf(resumed)).not.toContain(old);
    const later = whole.events.filter((event) => Number(event.id) > Number(firstId)).map((event) => event.id);
    expect(resumed.events.map((event) => event.id)).toEqual(expect.arrayContaining(later));

    for (const malformed of ['abc', '-1', '1e3', '9'.repeat(40)]) {
      const replayed = await open({ ...bearer(token), 'last-event-id': malformed });
      await replayed.until((s) => [old, first, second].every((sid) => sessionsOf(s).includes(sid)));
      replayed.close();
    }
  });

  it("ends a stream when its own credential is revoked, after telling that revocation", async () => {
    const { client, token } = await machineClient('disabled reader');
    const stream = await open(bearer(token));
    await stream.until((s) => s.comments.length > 0);
    const disabled = await trpc(server.url, 'mutation', 'clients.update', { id: client.id, disabled: true }, admin);
    expect(disabled.status).toBe(200);
    await stream.ended;
    expect(sessionsOf(stream).at(-1)).toBe(sidOf(token));
  });

  it("follows an admin's session too, and ends with its logout", async () => {
    const session = await login(server.url, 'admin', ADMIN_PASSWORD);
    const stream = await open(bearer(session.token));
    await stream.until((s) => s.comments.length > 0);
    expect((await trpc(server.url, 'mutation', 'auth.logout', undefined, session.token)).status).toBe(200);
    await stream.ended;
    expect(sessionsOf(stream).at(-1)).toBe(sidOf(session.token));
  });

  it('keeps an idle stream open with a comment line every 15 s by default', { timeout: 25_000 }, async () => {
    const { token } = await machineClient('idle reader');
    const stream = await open(bearer(token));
    const opened = Date.now();
    await stream.until((s) => s.comments.includes('keep-alive'), 17_000);
    expect(Date.now() - opened).toBeGreaterThan(14_000);
  });

  it('serves hundreds of subscribers at once, each told of a revocation', { timeout: 60_000 }, async () => {
    const { token } = await machineClient('many readers');
    const readers = await Promise.all(Array.from({ length: 300 }, () => open(bearer(token))));
    await Promise.all(readers.map((stream) => stream.until((s) => s.comments.includes('replayed'), 20_000)));
    const { feed: core } = server.app.keyway.services;
    expect(core.subscribers).toBeGreaterThanOrEqual(300);
    const sid = await revokedSession();
    const revokedAt = Date.now();
    await Promise.all(readers.map((stream) => stream.until((s) => sessionsOf(s).includes(sid), 10_000)));
    // Every one of them within a second of the logout's answer, on this loaded test machine.
    const arrivals = readers.map((stream) => stream.arrivals[stream.events.findIndex((event) => subjectOf(event.data) === sid)]! - revokedAt);
    console.log(`300 subscribers: the last told ${Math.max(...arrivals)} ms after the logout answered (median ${[...arrivals].sort((a, b) => a - b)[150]} ms)`);
    expect(Math.max(...arrivals)).toBeLessThan(1000);
    for (const stream of readers) stream.close();
    await expect.poll(() => core.subscribers).toBeLessThan(300);
  });

  it('catches up from the database when a burst outruns what is held for a subscriber', { timeout: 60_000 }, async () => {
    const { token } = await machineClient('burst reader');
    const readers = await Promise.all([1, 2, 3].map(() => open(bearer(token))));
    await Promise.all(readers.map((stream) => stream.until((s) => s.comments.length > 0)));
    // 1500 sessions of one user (more than SUBSCRIBER_BACKLOG), written straight to the database, then
    // revoked in one statement: every reader must get every one of them.
    const orm = server.app.keyway.database.orm;
    await orm.em.getConnection().execute(
      `insert into sessions (id, user_id, refresh_token_hash, generation, expires_at, created_at, amr)
       select gen_random_uuid(), (select id from users where username = 'vera'), md5(g::text) || md5(g::text), 0, now() + interval '1 day', now(), 'pwd'
         from generate_series(1, 1500) g`,
    );
    const vera = await server.app.keyway.services.users.findByUsername('vera');
    expect(await server.app.keyway.services.sessions.revokeAll(vera, OPERATOR)).toBeGreaterThanOrEqual(1500);
    const rows = await orm.em
      .getConnection()
      .execute<{ session_id: string }[]>(`select session_id from session_revocations where user_id = ?`, [vera.id]);
    expect(rows.length).toBeGreaterThanOrEqual(1500);
    for (const stream of readers) {
      await stream.until((s) => {
        const told = new Set(sessionsOf(s));
        return rows.every((row) => told.has(row.session_id));
      }, 30_000);
    }
    // Nothing is left waiting for them once they go.
    const { feed: core } = server.app.keyway.services;
    const following = core.subscribers;
    for (const stream of readers) stream.close();
    await expect.poll(() => core.subscribers).toBe(following - readers.length);
  });
});

describe('the same stream on the other doors', () => {
  const trpcClient = (token: string) => trpcSubscriber(server.url, token);

  it('is the tRPC subscription auth.revocations: replayed, then live, resumable by its tracked ids', async () => {
    const before = await revokedSession();
    const { token } = await machineClient('trpc reader');
    const told: Array<{ id: string; sessionId: string; revokedAt: string }> = [];
    const subscription = trpcClient(token).auth.revocations.subscribe(undefined, {
      onData: ({ id, data }) => told.push({ id, ...data }),
    });
    try {
      await expect.poll(() => told.map((event) => event.sessionId), { timeout: 10_000 }).toContain(before);
      const after = await revokedSession();
      await expect.poll(() => told.map((event) => event.sessionId), { timeout: 10_000 }).toContain(after);
      const event = told.find((candidate) => candidate.sessionId === after)!;
      expect(event.id).toMatch(/^\d+$/);
      expect(Math.abs(Date.parse(event.revokedAt) - Date.now())).toBeLessThan(10_000);
      // Resumed after `before`'s id: `after` again, and nothing recorded more than a minute before.
      const resumed: string[] = [];
      const again = trpcClient(token).auth.revocations.subscribe({ lastEventId: told.find((e) => e.sessionId === before)!.id }, {
        onData: ({ data }) => resumed.push(data.sessionId),
      });
      await expect.poll(() => resumed, { timeout: 10_000 }).toContain(after);
      again.unsubscribe();
    } finally {
      subscription.unsubscribe();
    }
  });

  it('refuses a tRPC subscriber who is neither a client nor an admin', async () => {
    const user = (await login(server.url, 'vera', 'a long enough password')).token;
    const reply = await call(server.url, '/trpc/auth.revocations', { headers: { ...bearer(user), accept: 'text/event-stream' } });
    expect(reply.text).toContain('"domainCode":"FORBIDDEN"');
    const anonymous = await call(server.url, '/trpc/auth.revocations', { headers: { accept: 'text/event-stream' } });
    expect(anonymous.text).toContain('"domainCode":"UNAUTHENTICATED"');
  });

  it('is the GraphQL subscription revocations, over SSE at /graphql/stream (graphql-sse)', async () => {
    const { token } = await machineClient('graphql reader');
    const client = createGraphqlSseClient({ url: `${server.url}/graphql/stream`, headers: bearer(token), retryAttempts: 0 });
    const told: Array<{ sessionId: string; revokedAt: string; sequence: string }> = [];
    const errors: unknown[] = [];
    const stop = client.subscribe<{ revocations: (typeof told)[number] }>(
      { query: 'subscription { revocations { sessionId revokedAt sequence } }' },
      { next: ({ data, errors: failed }) => (failed ? errors.push(...failed) : told.push(data!.revocations)), error: (error) => errors.push(error), complete: () => {} },
    );
    try {
      const after = await revokedSession();
      // After the replay of everything this file revoked before (the burst's 1500 included).
      await expect.poll(() => told.map((event) => event.sessionId), { timeout: 10_000 }).toContain(after);
      expect(errors).toEqual([]);
      expect(told.find((event) => event.sessionId === after)!.sequence).toMatch(/^\d+$/);
    } finally {
      stop();
      client.dispose();
    }
  });

  it('answers a GraphQL subscriber who may not follow it with the error, in the stream', async () => {
    const user = (await login(server.url, 'vera', 'a long enough password')).token;
    for (const [headers, code] of [
      [bearer(user), 'FORBIDDEN'],
      [{}, 'UNAUTHENTICATED'],
    ] as const) {
      const stream = await openEventStream(`${server.url}/graphql/stream`, { ...headers, 'content-type': 'application/json' }, {
        method: 'POST',
        body: JSON.stringify({ query: 'subscription { revocations { sessionId } }' }),
      });
      await stream.ended;
      expect(stream.events.map((event) => event.event)).toEqual(['next', 'complete']);
      expect(JSON.parse(stream.events[0]!.data).errors[0].extensions.code).toBe(code);
    }
    // The stream takes subscriptions only: a query there would pass around Apollo's rules (introspection off in production).
    const query = await openEventStream(`${server.url}/graphql/stream`, { ...bearer(admin), 'content-type': 'application/json' }, {
      method: 'POST',
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    await query.ended;
    expect(query.events.map((event) => event.event)).toEqual(['next', 'complete']);
    const refused = JSON.parse(query.events[0]!.data);
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toEqual([
      {
        message: 'Only subscriptions are served at /graphql/stream: send queries and mutations to /graphql',
        locations: [{ line: 1, column: 1 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
    // Apollo at /graphql answers queries and mutations only; it points a subscription at the stream.
    const overHttp = await graphql(server.url, 'subscription { revocations { sessionId } }', {}, admin);
    expect([overHttp.status, overHttp.body]).toEqual([
      400,
      { errors: [{ message: 'Subscriptions are served over Server-Sent Events at /graphql/stream', extensions: { code: 'BAD_REQUEST' } }] },
    ]);
    const notStreaming = await call(server.url, '/graphql/stream', { method: 'POST', body: { query: 'subscription { revocations { sessionId } }' } });
    expect([notStreaming.status, notStreaming.body]).toEqual([
      406,
      { errors: [{ message: 'GraphQL over SSE: send the operation with "Accept: text/event-stream"', extensions: { code: 'BAD_REQUEST' } }] },
    ]);
  });
});
