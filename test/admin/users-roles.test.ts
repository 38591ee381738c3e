import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { call, graphql, login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startServer();
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(() => server?.close());

/** The same administrative call on GraphQL and on tRPC: each door's answer, reduced to data or domain code. */
const doors = {
  async createUser(input: Record<string, unknown>) {
    const gql = await graphql(server.url, 'mutation($i: CreateUserInput!) { createUser(input: $i) { id username role { name } disabled } }', { i: input }, admin);
    const rpc = await trpc(server.url, 'mutation', 'users.create', { ...input, username: `${input.username}-t` }, admin);
    return { graphql: gql.body.data?.createUser ?? gql.body.errors[0].extensions.code, trpc: rpc.body.result?.data ?? rpc.body.error.data.domainCode };
  },
};

const gqlCode = (reply: { body: any }) => reply.body.errors?.[0]?.extensions?.code;
const rpcCode = (reply: { body: any }) => reply.body.error?.data?.domainCode;

describe('creating users', () => {
  it('creates a user on both doors, who can log in with their role', async () => {
    const result = await doors.createUser({ username: 'lucia', password: 'lucia-password', role: 'vendedor' });
    expect(result.graphql).toMatchObject({ username: 'lucia', role: { name: 'vendedor' }, disabled: false });
    expect(result.trpc).toMatchObject({ username: 'lucia-t', role: { name: 'vendedor', permissions: ['GET', 'PUT'] } });
    const { user } = await login(server.url, 'lucia', 'lucia-password');
    expect(user.role).toBe('vendedor');
  });

  it.each([
    ['a password under 8 characters', { username: 'p1', password: 'seven77', role: 'viewer' }, 'BAD_USER_INPUT'],
    ['a password over 1024 bytes', { username: 'p2', password: 'é'.repeat(600), role: 'viewer' }, 'BAD_USER_INPUT'],
    ['a username with surrounding spaces', { username: ' p3', password: 'long-enough', role: 'viewer' }, 'BAD_USER_INPUT'],
    ['an unknown role', { username: 'p4', password: 'long-enough', role: 'wizard' }, 'BAD_USER_INPUT'],
  ])('refuses %s with BAD_USER_INPUT', async (_case, input, code) => {
    expect(await doors.createUser(input)).toEqual({ graphql: code, trpc: code });
  });

  it('refuses a username taken in another case or Unicode form with CONFLICT', async () => {
    await doors.createUser({ username: 'marta', password: 'marta-password', role: 'viewer' });
    const gql = await graphql(server.url, 'mutation { createUser(input: { username: "MARTA", password: "other-password", role: "viewer" }) { id } }', {}, admin);
    expect(gqlCode(gql)).toBe('CONFLICT');
    const rpc = await trpc(server.url, 'mutation', 'users.create', { username: 'ｍａｒｔａ', password: 'other-password', role: 'viewer' }, admin);
    expect(rpc.status).toBe(409);
    expect(rpcCode(rpc)).toBe('CONFLICT');
  });
});

describe('changing users', () => {
  it('disables and enables a user: a disabled user cannot log in on any door', async () => {
    const { id } = await server.app.keyway.services.users.create({ username: 'dora', password: 'dora-password', role: 'viewer' }, OPERATOR);
    const { token } = await login(server.url, 'dora', 'dora-password');
    const disabled = await graphql(server.url, `mutation { updateUser(id: "${id}", input: { disabled: true }) { disabled } }`, {}, admin);
    expect(disabled.body.data.updateUser).toEqual({ disabled: true });
    expect((await call(server.url, '/products', { token })).status).toBe(403);

    expect((await post(server.url, '/login', { username: 'dora', password: 'dora-password' })).text).toBe('{"message":"Usuario deshabilitado"}');
    expect((await post(server.url, '/api/login', { _username: 'dora', _password: 'dora-password' })).text).toBe('{"code":403,"error":"User is disabled."}');
    expect(gqlCode(await graphql(server.url, 'mutation { login(username: "dora", password: "dora-password") { token } }'))).toBe('USER_DISABLED');
    expect(rpcCode(await trpc(server.url, 'mutation', 'auth.login', { username: 'dora', password: 'dora-password' }))).toBe('USER_DISABLED');

    const enabled = await trpc(server.url, 'mutation', 'users.update', { id, disabled: false }, admin);
    expect(enabled.body.result.data.disabled).toBe(false);
    expect((await post(server.url, '/login', { username: 'dora', password: 'dora-password' })).status).toBe(200);
  });

  it('changes a role and revokes the sessions that carried the old one', async () => {
    const { id } = await server.app.keyway.services.users.create({ username: 'rolf', password: 'rolf-password', role: 'viewer' }, OPERATOR);
    const { token } = await login(server.url, 'rolf', 'rolf-password');
    const reply = await trpc(server.url, 'mutation', 'users.update', { id, role: 'developer' }, admin);
    expect(reply.body.result.data.role.name).toBe('developer');
    expect((await call(server.url, '/products', { token })).status).toBe(403);
    const fresh = await login(server.url, 'rolf', 'rolf-password');
    expect(fresh.user.role).toBe('developer');
  });

  it('sets a password, revoking the old sessions', async () => {
    const { id } = await server.app.keyway.services.users.create({ username: 'pia', password: 'pia-password', role: 'viewer' }, OPERATOR);
    const { token } = await login(server.url, 'pia', 'pia-password');
    await graphql(server.url, `mutation { updateUser(id: "${id}", input: { password: "pia-new-password" }) { id } }`, {}, admin);
    expect((await call(server.url, '/products', { token })).status).toBe(403);
    expect((await post(server.url, '/login', { username: 'pia', password: 'pia-new-password' })).status).toBe(200);
  });

  it('answers an unknown user with NOT_FOUND, an empty change with BAD_USER_INPUT', async () => {
    expect(gqlCode(await graphql(server.url, 'mutation { updateUser(id: "999999", input: { disabled: true }) { id } }', {}, admin))).toBe('NOT_FOUND');
    expect(rpcCode(await trpc(server.url, 'mutation', 'users.update', { id: 999999, disabled: true }, admin))).toBe('NOT_FOUND');
    expect(gqlCode(await graphql(server.url, 'mutation { updateUser(id: "1", input: {}) { id } }', {}, admin))).toBe('BAD_USER_INPUT');
    expect(gqlCode(await graphql(server.url, 'mutation { deleteUser(id: "abc") }', {}, admin))).toBe('BAD_USER_INPUT');
  });

  it('deletes a user: their tokens die with them and their name no longer logs in', async () => {
    const { id } = await server.app.keyway.services.users.create({ username: 'gus', password: 'gus-password', role: 'viewer' }, OPERATOR);
    const { token } = await login(server.url, 'gus', 'gus-password');
    expect((await graphql(server.url, `mutation { deleteUser(id: "${id}") }`, {}, admin)).body.data).toEqual({ deleteUser: true });
    expect((await call(server.url, '/products', { token })).status).toBe(403);
    expect((await post(server.url, '/login', { username: 'gus', password: 'gus-password' })).text).toBe('{"message":"Usuario no encontrado"}');
    expect(rpcCode(await trpc(server.url, 'mutation', 'users.delete', { id }, admin))).toBe('NOT_FOUND');
  });

  it('lists users a page at a time', async () => {
    const all = await trpc(server.url, 'query', 'users.list', { limit: 100 }, admin);
    const page = await graphql(server.url, '{ users(limit: 2, offset: 1) { id username } }', {}, admin);
    expect(page.body.data.users).toEqual(all.body.result.data.slice(1, 3).map((u: { id: number; username: string }) => ({ id: String(u.id), username: u.username })));
    expect(gqlCode(await graphql(server.url, '{ users(limit: 1000) { id } }', {}, admin))).toBe('BAD_USER_INPUT');
  });

  it('finds users whose username contains a search, case aside, on both doors', async () => {
    for (const username of ['Searchable-One', 'another-searchable', 'unrelated']) {
      await server.app.keyway.services.users.create({ username, password: 'a long enough password', role: 'viewer' }, OPERATOR);
    }
    const rpc = await trpc(server.url, 'query', 'users.list', { search: 'SEARCHABLE' }, admin);
    expect(rpc.body.result.data.map((u: { username: string }) => u.username)).toEqual(['Searchable-One', 'another-searchable']);
    const gql = await graphql(server.url, '{ users(search: "able-o", limit: 5) { username } }', {}, admin);
    expect(gql.body.data.users).toEqual([{ username: 'Searchable-One' }]);
    // A wildcard is a character like any other.
    expect((await trpc(server.url, 'query', 'users.list', { search: '%' }, admin)).body.result.data).toEqual([]);
    const long = await trpc(server.url, 'query', 'users.list', { search: 'x'.repeat(65) }, admin);
    expect([long.status, long.body.error.data.domainCode]).toEqual([400, 'BAD_USER_INPUT']);
  });
});

describe('the last enabled admin', () => {
  it('can be neither disabled, demoted nor deleted, on either door', async () => {
    const self = (await trpc(server.url, 'query', 'auth.me', undefined, admin)).body.result.data.id;
    expect(gqlCode(await graphql(server.url, `mutation { updateUser(id: "${self}", input: { disabled: true }) { id } }`, {}, admin))).toBe('CONFLICT');
    expect(gqlCode(await graphql(server.url, `mutation { updateUser(id: "${self}", input: { role: "viewer" }) { id } }`, {}, admin))).toBe('CONFLICT');
    expect(gqlCode(await graphql(server.url, `mutation { deleteUser(id: "${self}") }`, {}, admin))).toBe('CONFLICT');
    const rpc = await trpc(server.url, 'mutation', 'users.delete', { id: self }, admin);
    expect(rpc.status).toBe(409);
    expect(rpcCode(rpc)).toBe('CONFLICT');
  });

  it('can step down once another admin exists', async () => {
    const second = await server.app.keyway.services.users.create({ username: 'second-admin', password: 'second-password', role: 'admin' }, OPERATOR);
    const token = (await login(server.url, 'second-admin', 'second-password')).token;
    const reply = await graphql(server.url, `mutation { updateUser(id: "${second.id}", input: { role: "viewer" }) { role { name } } }`, {}, token);
    expect(reply.body.data.updateUser.role.name).toBe('viewer');
  });

  it('is never lost to two admins demoting each other at once', async () => {
    const { users } = server.app.keyway.services;
    const one = await users.create({ username: 'twin-one', password: 'twin-password', role: 'admin' }, OPERATOR);
    const two = await users.create({ username: 'twin-two', password: 'twin-password', role: 'admin' }, OPERATOR);
    const original = (await users.findByUsername('admin')).id;
    // The twins are then the only enabled admins: a setup that fails here would leave the race nothing to lose.
    expect(await users.update(original, { disabled: true }, OPERATOR)).toMatchObject({ disabled: true });
    try {
      const results = await Promise.allSettled([users.update(one.id, { role: 'viewer' }, OPERATOR), users.update(two.id, { role: 'viewer' }, OPERATOR)]);
      const winners = results.filter((result) => result.status === 'fulfilled');
      const losers = results.filter((result) => result.status === 'rejected');
      expect(winners).toHaveLength(1);
      expect(losers.map((loser) => loser.reason)).toEqual([
        new DomainError('CONFLICT', 'The last enabled admin cannot be disabled or demoted'),
      ]);
      expect(losers[0]!.reason).toMatchObject({ code: 'CONFLICT' });
      const roles = await Promise.all([one, two].map(async (twin) => (await users.findByUsername(twin.username)).role.name));
      expect(roles.sort()).toEqual(['admin', 'viewer']);
    } finally {
      await users.update(original, { disabled: false }, OPERATOR);
      // Disabling revoked the original admin's sessions: sign in again for the tests that follow.
      admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
    }
  });
});

describe('roles', () => {
  it('creates, updates and lists roles with permissions in canonical order', async () => {
    const created = await graphql(server.url, 'mutation { upsertRole(name: "auditor", permissions: [PUT, GET, GET]) { name permissions } }', {}, admin);
    expect(created.body.data.upsertRole).toEqual({ name: 'auditor', permissions: ['GET', 'PUT'] });
    const updated = await trpc(server.url, 'mutation', 'roles.upsert', { name: 'auditor', permissions: ['GET'] }, admin);
    expect(updated.body.result.data).toEqual({ name: 'auditor', permissions: ['GET'] });
    const listed = await trpc(server.url, 'query', 'roles.list', undefined, admin);
    expect(listed.body.result.data.map((role: { name: string }) => role.name)).toEqual(['admin', 'auditor', 'developer', 'vendedor', 'viewer']);
  });

  it('revokes the sessions of a role that loses a permission, not of one that gains', async () => {
    const { users, roles } = server.app.keyway.services;
    await roles.upsert({ name: 'clerk', permissions: ['GET'] }, OPERATOR);
    await users.create({ username: 'clerk-1', password: 'clerk-password', role: 'clerk' }, OPERATOR);
    const before = (await login(server.url, 'clerk-1', 'clerk-password')).token;
    await trpc(server.url, 'mutation', 'roles.upsert', { name: 'clerk', permissions: ['GET', 'PUT'] }, admin);
    expect((await call(server.url, '/products', { token: before })).status).toBe(200);
    await trpc(server.url, 'mutation', 'roles.upsert', { name: 'clerk', permissions: ['PUT'] }, admin);
    expect((await call(server.url, '/products', { token: before })).status).toBe(403);
    const after = (await login(server.url, 'clerk-1', 'clerk-password')).token;
    expect((await call(server.url, '/products', { token: after })).text).toBe('{"message":"Permiso denegado"}');
  });

  it('refuses to delete a role in use (CONFLICT) or unknown (NOT_FOUND), and deletes an unused one', async () => {
    expect(gqlCode(await graphql(server.url, 'mutation { deleteRole(name: "viewer") }', {}, admin))).toBe('CONFLICT');
    expect(rpcCode(await trpc(server.url, 'mutation', 'roles.delete', { name: 'nonexistent' }, admin))).toBe('NOT_FOUND');
    await trpc(server.url, 'mutation', 'roles.upsert', { name: 'temporary', permissions: [] }, admin);
    expect((await graphql(server.url, 'mutation { deleteRole(name: "temporary") }', {}, admin)).body.data).toEqual({ deleteRole: true });
  });

  it('refuses a bad role name or permission', async () => {
    expect(gqlCode(await graphql(server.url, 'mutation { upsertRole(name: "Has Spaces", permissions: [GET]) { name } }', {}, admin))).toBe('BAD_USER_INPUT');
    const rpc = await trpc(server.url, 'mutation', 'roles.upsert', { name: 'ok', permissions: ['FLY'] }, admin);
    expect(rpc.status).toBe(400);
    expect(rpcCode(rpc)).toBe('BAD_USER_INPUT');
    const gql = await graphql(server.url, 'mutation { upsertRole(name: "ok", permissions: [FLY]) { name } }', {}, admin);
    expect(gql.status).toBe(400);
    expect(gqlCode(gql)).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
