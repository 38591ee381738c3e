import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { graphql, login, post, type Reply } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

/**
 * Logins and refreshes racing an administrator's change. Once the change has
 * answered, no token carrying the state before it may be accepted: a login
 * that read the user before the change and stored its session after it must
 * not hand out a live token. Raced for real: looping clients around one
 * change, many times over (the race matters on PostgreSQL, where requests run
 * at once; PGlite runs one statement at a time).
 */

// Trials per change: at least MIN_TRIALS, then more up to MAX_TRIALS while the budget lasts.
const [MIN_TRIALS, MAX_TRIALS, BUDGET_MS] = DB_KIND === 'postgres' ? [8, 25, 5_000] : [2, 6, 2_000];
const LOOPS = 4;
const PASSWORD = 'racer-password';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

let server: TestServer;
let adminToken: string;
let serial = 0;

beforeAll(async () => {
  server = await startServer({
    env: {
      // Each loop comes from its own address, so the throttle (one attempt at a time per username and address) lets them overlap.
      TRUST_PROXY: 'loopback',
      // Enough argon2 threads that an administrator's password hash does not queue behind the logins, in step with them.
      PASSWORD_HASH_CONCURRENCY: '4',
    },
  });
  adminToken = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(() => server?.close());

interface Change {
  /** The role the target user starts with. */
  role: 'viewer' | 'admin' | 'own';
  /** The change, through GraphQL (an administrator's, or the user's own password change). */
  apply(user: { id: number; username: string; role: string }): Promise<Reply>;
  /** Whether a token carries the state before the change. */
  stale(claims: { role: string; roles: Record<string, boolean> }): boolean;
  /** What a login may answer around the change. */
  loginStatuses: number[];
}

const admin = (query: string, variables: Record<string, unknown>) => graphql(server.url, query, variables, adminToken);
const UPDATE = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }`;

const CHANGES: Record<string, Change> = {
  'disabling the user': {
    role: 'viewer',
    apply: ({ id }) => admin(UPDATE, { id: String(id), input: { disabled: true } }),
    stale: () => true,
    loginStatuses: [200, 403],
  },
  'demoting an admin to viewer': {
    role: 'admin',
    apply: ({ id }) => admin(UPDATE, { id: String(id), input: { role: 'viewer' } }),
    stale: (claims) => claims.role === 'admin',
    loginStatuses: [200],
  },
  "changing the user's password": {
    role: 'viewer',
    apply: ({ id }) => admin(UPDATE, { id: String(id), input: { password: 'a brand new password' } }),
    stale: () => true,
    loginStatuses: [200, 401],
  },
  'the user changing their own password': {
    role: 'viewer',
    async apply({ username }) {
      const { token } = await login(server.url, username, PASSWORD);
      return graphql(server.url, `mutation { changePassword(current: "${PASSWORD}", next: "a brand new password") }`, {}, token);
    },
    stale: () => true,
    loginStatuses: [200, 401],
  },
  "removing a permission from the user's role": {
    role: 'own',
    apply: ({ role }) => admin(`mutation($n: String!) { upsertRole(name: $n, permissions: [GET]) { name } }`, { n: role }),
    stale: (claims) => claims.roles.POST === true,
    loginStatuses: [200],
  },
  'deleting the user': {
    role: 'viewer',
    apply: ({ id }) => admin(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: String(id) }),
    stale: () => true,
    loginStatuses: [200, 401],
  },
};

/** A fresh target user (and, for a role change, a fresh role of their own holding GET and POST). */
async function target(change: Change): Promise<{ id: number; username: string; role: string }> {
  const { users, roles } = server.app.keyway.services;
  const username = `racer${++serial}`;
  let role: string = change.role;
  if (role === 'own') {
    role = `racers${serial}`;
    await roles.upsert({ name: role, permissions: ['GET', 'POST'] }, OPERATOR);
  }
  const { id } = await users.create({ username, password: PASSWORD, role }, OPERATOR);
  return { id, username, role };
}

/**
 * Runs `clients` looping until `apply` has answered (started at a random
 * moment among them), and answers every access token they got with every
 * status they saw.
 */
async function raceAround(
  clients: Array<(tokens: string[], statuses: number[]) => Promise<void>>,
  apply: () => Promise<Reply>,
): Promise<{ tokens: string[]; statuses: number[] }> {
  const tokens: string[] = [];
  const statuses: number[] = [];
  let answered = false;
  const loops = clients.map(async (client) => {
    while (!answered) await client(tokens, statuses);
  });
  await sleep(Math.random() * 60);
  const reply = await apply();
  answered = true;
  await Promise.all(loops);
  expect(reply.body.errors).toBeUndefined();
  return { tokens, statuses };
}

/** The stale tokens a server still accepts, after the change has answered. */
async function acceptedStale(tokens: string[], change: Change): Promise<string[]> {
  const accepted: string[] = [];
  for (const token of tokens) {
    if (!change.stale(claimsOf(token))) continue;
    const verdict = await post(server.url, '/api/verify_token', undefined, { token });
    if (verdict.status === 200) accepted.push(claimsOf(token).sid);
  }
  return accepted;
}

describe.each(Object.entries(CHANGES))('logins racing %s', (_, change) => {
  it(`leave no live token with the old state (${MIN_TRIALS}+ trials of ${LOOPS} looping logins)`, async () => {
    const live: string[] = [];
    const unexpected: number[] = [];
    let issued = 0;
    const started = Date.now();
    for (let trial = 0; trial < MAX_TRIALS && (trial < MIN_TRIALS || Date.now() - started < BUDGET_MS); trial++) {
      const user = await target(change);
      const logins = Array.from({ length: LOOPS }, (_, n) => async (tokens: string[], statuses: number[]) => {
        const reply = await post(
          server.url,
          '/login',
          { username: user.username, password: PASSWORD },
          { headers: { 'x-forwarded-for': `10.9.${serial % 250}.${n + 1}` } },
        );
        statuses.push(reply.status);
        if (reply.status === 200) tokens.push(reply.body.token);
      });
      const { tokens, statuses } = await raceAround(logins, () => change.apply(user));
      issued += tokens.length;
      unexpected.push(...statuses.filter((status) => !change.loginStatuses.includes(status)));
      live.push(...(await acceptedStale(tokens, change)));
    }
    expect(issued).toBeGreaterThan(0);
    expect({ live, unexpected }).toEqual({ live: [], unexpected: [] });
  }, 120_000);
});

const REFRESH = `mutation($r: String!) { refreshToken(refreshToken: $r) { token refreshToken } }`;

describe.each(['demoting an admin to viewer', "removing a permission from the user's role"])('refreshes racing %s', (name) => {
  const change = CHANGES[name]!;
  it(`leave no live token with the old state (${MIN_TRIALS}+ trials of ${LOOPS} looping refreshes)`, async () => {
    const live: string[] = [];
    let issued = 0;
    const started = Date.now();
    for (let trial = 0; trial < MAX_TRIALS && (trial < MIN_TRIALS || Date.now() - started < BUDGET_MS); trial++) {
      const user = await target(change);
      const refreshers = await Promise.all(
        Array.from({ length: LOOPS }, async () => {
          let { refreshToken } = await login(server.url, user.username, PASSWORD);
          return async (tokens: string[], statuses: number[]) => {
            const reply = await graphql(server.url, REFRESH, { r: refreshToken });
            const pair = reply.body.data?.refreshToken;
            statuses.push(pair ? 200 : reply.status);
            if (pair) {
              tokens.push(pair.token);
              refreshToken = pair.refreshToken;
            } else {
              expect(reply.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
              await sleep(5);
            }
          };
        }),
      );
      const { tokens } = await raceAround(refreshers, () => change.apply(user));
      issued += tokens.length;
      live.push(...(await acceptedStale(tokens, change)));
    }
    expect(issued).toBeGreaterThan(0);
    expect(live).toEqual([]);
  }, 120_000);
});
