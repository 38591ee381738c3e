import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentialsTokens } from '../../src/verify/client-token.js';
import { FeedFollower } from '../../src/verify/feed.js';
import { createVerifier, type Verifier } from '../../src/verify/index.js';
import { REFETCH_INTERVAL_MS } from '../../src/verify/keys.js';
import { DB_KIND } from '../helpers/database.js';
import { newSigningKey, startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js';
import { until } from '../helpers/wait.js';

// keyway/verify's side of the revocation feed's contract (SPEC §14), and its JWKS refetches, against
// a stand-in for Keyway that a test can steer (test/helpers/local-issuer.ts): a cut connection, a
// refused secret, a silent stream, counted requests. No database: run once, in the PGlite project.

describe.runIf(DB_KIND === 'pglite')('keyway/verify following a revocation feed', () => {
  let issuer: LocalIssuer;
  const errors: Error[] = [];
  const verifiers: Verifier[] = [];

  beforeAll(async () => {
    issuer = await startLocalIssuer();
  });
  afterEach(async () => {
    await Promise.all(verifiers.splice(0).map((verifier) => verifier.close()));
    errors.length = 0;
    issuer.refuseCredentials = false;
  });
  afterAll(() => issuer?.close());

  async function following(): Promise<Verifier> {
    const verifier = await createVerifier({
      issuer: issuer.url,
      clientId: issuer.client.id,
      clientSecret: issuer.client.secret,
      onError: (error) => errors.push(error),
    });
    verifiers.push(verifier);
    return verifier;
  }
  const reasonFor = async (verifier: Verifier, token: string) => {
    const result = await verifier.verify(token);
    return result.ok ? 'ok' : result.reason;
  };
  const waitFor = <T>(probe: () => Promise<T> | T, expected: T) => until(async () => probe(), (value) => value === expected, 3000);

  it('reads the replay before it resolves, then refuses sessions revoked live, duplicates and all', async () => {
    const [early, late, untouched] = [randomUUID(), randomUUID(), randomUUID()];
    await issuer.publish(early);
    const verifier = await following();
    expect(verifier.feed).toBe('connected');
    expect(await reasonFor(verifier, await issuer.sign({ sid: early }))).toBe('SESSION_REVOKED');
    const lateToken = await issuer.sign({ sid: late });
    expect(await reasonFor(verifier, lateToken)).toBe('ok');

    await issuer.publish(late);
    await issuer.publish(late);
    expect(await waitFor(() => reasonFor(verifier, lateToken), 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
    expect(await reasonFor(verifier, await issuer.sign({ sid: untouched }))).toBe('ok');
    expect(errors).toEqual([]);
  });

  it('takes a comment after the replay as its end, every replayed event read by then', async () => {
    const sessions = Array.from({ length: 20 }, () => randomUUID());
    for (const session of sessions) await issuer.publish(session);
    issuer.markReplay = true;
    try {
      const verifier = await following();
      const reasons = await Promise.all(sessions.map(async (sid) => reasonFor(verifier, await issuer.sign({ sid }))));
      expect(new Set(reasons)).toEqual(new Set(['SESSION_REVOKED']));
    } finally {
      issuer.markReplay = false;
    }
  });

  it('resumes after the stream ends with a new token and the last event id, missing nothing published meanwhile', async () => {
    const verifier = await following();
    const seen = randomUUID();
    const lastId = await issuer.publish(seen);
    await waitFor(async () => reasonFor(verifier, await issuer.sign({ sid: seen })), 'SESSION_REVOKED');
    issuer.endStreams(true);
    const meanwhile = randomUUID();
    await issuer.publish(meanwhile);
    const reconnected = await waitFor(() => [...issuer.connections][0]?.lastEventId, String(lastId));
    expect(reconnected).toBe(String(lastId));
    expect(await waitFor(async () => reasonFor(verifier, await issuer.sign({ sid: meanwhile })), 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
    expect(verifier.feed).toBe('connected');
    expect(errors).toEqual([]);
  });

  it('after a cut connection tries its token, takes the 401 for a new token, and reconnects', async () => {
    const verifier = await following();
    issuer.dropStreams();
    await waitFor(() => errors.some((error) => error.message.endsWith('answered 401')), true);
    await waitFor(() => verifier.feed === 'connected' && issuer.connections.size === 1, true);
    const revoked = randomUUID();
    await issuer.publish(revoked);
    expect(await waitFor(async () => reasonFor(verifier, await issuer.sign({ sid: revoked })), 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
  });

  it('refuses to start when the token endpoint refuses the credentials; later, reports it and keeps trying', async () => {
    issuer.refuseCredentials = true;
    await expect(following()).rejects.toThrow(
      `Keyway's token endpoint (${issuer.url}/oauth/token) refused the credentials of client "svc-orders": 401 invalid_client`,
    );

    issuer.refuseCredentials = false;
    const verifier = await following();
    issuer.refuseCredentials = true;
    issuer.endStreams(true);
    await waitFor(() => errors.filter((error) => error.name === 'CredentialsRefused').length >= 2, true);
    expect(verifier.feed).toBe('connecting');
    issuer.refuseCredentials = false;
    expect(await waitFor(() => verifier.feed, 'connected')).toBe('connected');
  });

  it('drops, and reports, an event that is not a session-revoked SET signed by Keyway', async () => {
    const verifier = await following();
    const [foreign, mistyped, fine] = [randomUUID(), randomUUID(), randomUUID()];
    await issuer.publish(foreign, await issuer.securityEvent(foreign, await newSigningKey()));
    await issuer.publish(mistyped, await issuer.sign({ sid: mistyped }));
    await issuer.publish(fine);
    expect(await waitFor(async () => reasonFor(verifier, await issuer.sign({ sid: fine })), 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
    expect(await reasonFor(verifier, await issuer.sign({ sid: foreign }))).toBe('ok');
    expect(await reasonFor(verifier, await issuer.sign({ sid: mistyped }))).toBe('ok');
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^revocation event \d+ dropped: /),
      expect.stringMatching(/^revocation event \d+ dropped: unexpected "typ" JWT header value/),
    ]);
    // And a SET is not an access token, though the same keys sign both.
    expect(await reasonFor(verifier, await issuer.securityEvent(fine))).toBe('TOKEN_INVALID');
  });

  it('closes at once, even while a token request is under way', async () => {
    const verifier = await following();
    issuer.stallTokens = true;
    try {
      issuer.endStreams(true);
      await waitFor(() => verifier.feed, 'connecting');
      await new Promise((resolve) => setTimeout(resolve, 400));
      const started = performance.now();
      await verifier.close();
      expect(performance.now() - started).toBeLessThan(1000);
      expect(verifier.feed).toBe('off');
    } finally {
      issuer.stallTokens = false;
    }
  });

  it('treats a silent connection as dead and reconnects', async () => {
    const feedErrors: Error[] = [];
    const opened = issuer.requests.get('/events/revocations') ?? 0;
    const feed = new FeedFollower({
      url: `${issuer.url}/events/revocations`,
      tokens: clientCredentialsTokens({ tokenEndpoint: `${issuer.url}/oauth/token`, clientId: issuer.client.id, clientSecret: issuer.client.secret, timeoutMs: 1000 }),
      onEvent: async () => {},
      onError: (error) => feedErrors.push(error),
      timing: { idleMs: 200, replayQuietMs: 20, minBackoffMs: 10 },
    });
    await feed.start();
    await waitFor(() => (issuer.requests.get('/events/revocations') ?? 0) - opened >= 3, true);
    await feed.close();
    expect(feed.state).toBe('off');
    expect(feedErrors[0]?.message).toBe(`Keyway's revocation feed (${issuer.url}/events/revocations) sent nothing for 0.2 s`);
    expect(await waitFor(() => issuer.connections.size, 0)).toBe(0);
  });

  it('fetches the JWKS again for an unknown kid, once for many tokens, and not twice within 5 s', async () => {
    const verifier = await createVerifier({ issuer: issuer.url });
    verifiers.push(verifier);
    const fetches = () => issuer.requests.get('/.well-known/jwks.json') ?? 0;
    const before = fetches();

    const rotated = await issuer.sign({}, await issuer.addKey());
    expect(await Promise.all(Array.from({ length: 5 }, () => reasonFor(verifier, rotated)))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(fetches()).toBe(before + 1);

    const next = await issuer.sign({}, await issuer.addKey());
    const started = performance.now();
    expect(await reasonFor(verifier, next)).toBe('TOKEN_INVALID');
    expect(fetches()).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, REFETCH_INTERVAL_MS - (performance.now() - started) + 50));
    expect(await reasonFor(verifier, next)).toBe('ok');
    expect(fetches()).toBe(before + 2);
  });
});
