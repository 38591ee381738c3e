import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/core/records.js';
import { hashSecretToken, RefreshTokens } from '../../src/core/refresh-tokens.js';
import { decideRefresh } from '../../src/core/sessions.service.js';

/**
 * What a refresh does to its session, decided from the session as it stands
 * and the moment of the refresh: no server, no database, no waiting for the
 * reuse interval to pass.
 */

const SESSION_ID = '0b7c6a8e-3f1d-4c2b-9a5e-6d4f3c2b1a09';
const REUSE_MS = 10_000;
const ROTATED_AT = new Date('2026-12-01T12:00:00.000Z');
const refreshTokens = new RefreshTokens(Buffer.alloc(32, 7));
const hashOf = (generation: number) => hashSecretToken(refreshTokens.issue(SESSION_ID, generation));
const presented = (generation: number) => ({ generation, hash: hashOf(generation) });
const after = (ms: number) => new Date(ROTATED_AT.getTime() + ms);

/** A session rotated three times, the last at ROTATED_AT, as the database holds it. */
function session(changes: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: SESSION_ID,
    userId: 7,
    generation: 3,
    refreshTokenHash: hashOf(3),
    previousRefreshTokenHash: hashOf(2),
    rotatedAt: ROTATED_AT,
    expiresAt: new Date('2026-12-31T00:00:00.000Z'),
    revokedAt: null,
    amr: ['pwd'],
    ...changes,
  };
}

const decide = (token: { generation: number; hash: string }, current: SessionRecord | null, now: Date, reuseMs = REUSE_MS) =>
  decideRefresh(token, current, now, reuseMs, hashOf);

describe('the current refresh token', () => {
  it('rotates: the next generation, stored as the hash of its token', () => {
    expect(decide(presented(3), session(), after(5))).toEqual({ action: 'rotate', generation: 4, refreshTokenHash: hashOf(4) });
  });

  it("rotates a session's first token, never rotated before", () => {
    const fresh = session({ generation: 0, refreshTokenHash: hashOf(0), previousRefreshTokenHash: null, rotatedAt: null });
    expect(decide(presented(0), fresh, after(0))).toEqual({ action: 'rotate', generation: 1, refreshTokenHash: hashOf(1) });
  });

  it('rotates however long after the last rotation it comes', () => {
    expect(decide(presented(3), session(), after(24 * 3600_000))).toMatchObject({ action: 'rotate', generation: 4 });
  });
});

describe('the previous refresh token (two tabs refreshing at once)', () => {
  it.each([
    ['at the moment of the rotation', 0],
    ['inside the interval', REUSE_MS / 2],
    ['exactly at the end of the interval', REUSE_MS],
  ])('keeps the session, answering its current pair, %s', (_when, elapsed) => {
    expect(decide(presented(2), session(), after(elapsed))).toEqual({ action: 'keep' });
  });

  it('revokes the session one millisecond past the interval', () => {
    expect(decide(presented(2), session(), after(REUSE_MS + 1))).toEqual({ action: 'revoke' });
  });

  it('revokes long past the interval', () => {
    expect(decide(presented(2), session(), after(3600_000))).toEqual({ action: 'revoke' });
  });

  it('with no interval (REFRESH_REUSE_INTERVAL=0) is kept only in the same millisecond', () => {
    expect(decide(presented(2), session(), after(0), 0)).toEqual({ action: 'keep' });
    expect(decide(presented(2), session(), after(1), 0)).toEqual({ action: 'revoke' });
  });

  it('revokes when its hash is not the one stored as the previous', () => {
    const wrong = { generation: 2, hash: hashSecretToken('kwrt_something else') };
    expect(decide(wrong, session(), after(0))).toEqual({ action: 'revoke' });
    expect(decide(presented(2), session({ previousRefreshTokenHash: null }), after(0))).toEqual({ action: 'revoke' });
  });

  it('revokes when the session records no rotation', () => {
    expect(decide(presented(2), session({ rotatedAt: null }), after(0))).toEqual({ action: 'revoke' });
  });
});

describe('any other genuine token of the session is a reuse', () => {
  it.each([
    ['two generations old', 1],
    ['the first', 0],
  ])('revokes for the token %s, even inside the interval', (_which, generation) => {
    expect(decide(presented(generation), session(), after(0))).toEqual({ action: 'revoke' });
  });

  it('revokes for the current generation with a hash that is not the stored one', () => {
    expect(decide({ generation: 3, hash: hashOf(2) }, session(), after(0))).toEqual({ action: 'revoke' });
  });

  it('revokes for a generation the session has not reached', () => {
    expect(decide(presented(4), session(), after(0))).toEqual({ action: 'revoke' });
  });
});

describe('a session that cannot be refreshed', () => {
  it('refuses when there is no such session', () => {
    expect(decide(presented(3), null, after(0))).toEqual({ action: 'refuse' });
  });

  it('refuses a revoked session, whichever token comes, without revoking it again', () => {
    const revoked = session({ revokedAt: after(-1) });
    for (const generation of [3, 2, 1]) expect(decide(presented(generation), revoked, after(0))).toEqual({ action: 'refuse' });
  });

  it('refuses from the moment the session expires', () => {
    const expiresAt = after(60_000);
    expect(decide(presented(3), session({ expiresAt }), after(59_999))).toMatchObject({ action: 'rotate' });
    expect(decide(presented(3), session({ expiresAt }), expiresAt)).toEqual({ action: 'refuse' });
    expect(decide(presented(2), session({ expiresAt: after(1) }), after(1))).toEqual({ action: 'refuse' });
  });
});
