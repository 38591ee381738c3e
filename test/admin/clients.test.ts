import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { graphql, login, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

// Machine clients (SPEC §13), managed by admins on GraphQL, tRPC and the command line: a secret shown
// once and kept as a hash; a new secret, a new role, disabling or deleting revokes the client's tokens
// (its credential goes to the revocation feed every instance reads).

let server: TestServer;
let admin: string;
const CLIENT_FIELDS = 'id clientId name role { name permissions } disabled createdAt lastUsedAt';

beforeAll(async () => {
  server = await startServer();
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(() => server?.close());

const sql = <T>(query: string, params: unknown[] = []) => server.app.keyway.database.orm.em.getConnection().execute<T[]>(query, params);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const credentialOf = async (id: number) => (await sql<{ credential_id: string }>('select credential_id from clients where id = ?', [id]))[0]!.credential_id;
const revokedFor = async (credential: string) =>
  (await sql<{ reason: string }>('select reason from session_revocations where session_id = ?', [credential])).map((row) => row.reason);

async function createOnGraphql(name: string, role = 'viewer') {
  const reply = await graphql(server.url, `mutation($i: CreateClientInput!) { createClient(input: $i) { client { ${CLIENT_FIELDS} } secret } }`, { i: { name, role } }, admin);
  expect(reply.body.errors).toBeUndefined();
  return reply.body.data.createClient as { client: { id: string; clientId: string; name: string }; secret: string };
}

describe('creating a client', () => {
  it('answers its secret once, on GraphQL, tRPC and the command line, and keeps only the secret\'s hash', async () => {
    const created = await createOnGraphql('stock importer');
    expect(created.client).toMatchObject({ name: 'stock importer', role: { name: 'viewer', permissions: ['GET'] }, disabled: false, lastUsedAt: null });
    expect(created.client.clientId).toMatch(/^kwc_[0-9a-hjkmnp-tv-z]{20}$/);
    expect(created.secret).toMatch(/^kws_[A-Za-z0-9_-]{43}$/);
    const [stored] = await sql<Record<string, unknown>>('select * from clients where id = ?', [Number(created.client.id)]);
    expect(stored!.secret_hash).toBe(sha256(created.secret));
    expect(JSON.stringify(stored)).not.toContain(created.secret);

    const viaTrpc = await trpc(server.url, 'mutation', 'clients.create', { name: 'reporting job', role: 'developer' }, admin);
    expect(viaTrpc.status).toBe(200);
    expect(viaTrpc.body.result.data.client).toMatchObject({ name: 'reporting job', role: { name: 'developer' } });
    expect(viaTrpc.body.result.data.secret).toMatch(/^kws_/);

    const printed = await cli(server.database, ['clients', 'create', 'gateway', '--role', 'viewer']);
    expect(printed.code).toBe(0);
    const [, clientId, secret] = /client id: (kwc_\w+)\nsecret: +(kws_[\w-]+)\n/.exec(printed.stdout)!;
    const [cliStored] = await sql<{ secret_hash: string }>('select secret_hash from clients where client_id = ?', [clientId]);
    expect(cliStored!.secret_hash).toBe(sha256(secret!));

    // Listed without a secret, on every door.
    const listed = await graphql(server.url, `{ clients { ${CLIENT_FIELDS} } }`, {}, admin);
    expect(listed.body.data.clients.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['stock importer', 'reporting job', 'gateway']));
    const rpcList = await trpc(server.url, 'query', 'clients.list', undefined, admin);
    expect(JSON.stringify(rpcList.body)).not.toMatch(/kws_/);
    const cliList = await cli(server.database, ['clients', 'list']);
    expect(cliList.stdout).toMatch(new RegExp(`^${clientId} +gateway +viewer +enabled +\\S+ +-$`, 'm'));
  });

  it('refuses a name that is empty or too long, a role that does not exist, and anyone but an admin', async () => {
    const empty = await trpc(server.url, 'mutation', 'clients.create', { name: '  ', role: 'viewer' }, admin);
    expect([empty.status, empty.body.error.message]).toEqual([400, 'name is required']);
    const long = await trpc(server.url, 'mutation', 'clients.create', { name: 'x'.repeat(129), role: 'viewer' }, admin);
    expect([long.status, long.body.error.message]).toEqual([400, 'name must be at most 128 characters']);
    const role = await graphql(server.url, 'mutation { createClient(input: { name: "job", role: "nope" }) { secret } }', {}, admin);
    expect(role.body.errors[0]).toMatchObject({ message: 'Role "nope" does not exist', extensions: { code: 'BAD_USER_INPUT' } });
    const cliRole = await cli(server.database, ['clients', 'create', 'job', '--role', 'nope']);
    expect([cliRole.code, cliRole.stderr.trim()]).toEqual([1, 'keyway: Role "nope" does not exist']);

    await server.app.keyway.services.users.create({ username: 'vic', password: 'a long enough password', role: 'developer' }, (await import('../../src/core/audit.js')).OPERATOR);
    const { token } = await login(server.url, 'vic', 'a long enough password');
    expect((await graphql(server.url, '{ clients { id } }', {}, token)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    const rpc = await trpc(server.url, 'mutation', 'clients.create', { name: 'mine', role: 'developer' }, token);
    expect([rpc.status, rpc.body.error.data.domainCode]).toEqual([403, 'FORBIDDEN']);
    expect((await trpc(server.url, 'query', 'clients.list')).status).toBe(401);
  });
});

describe('changing a client', () => {
  it('revokes its tokens on a new secret, a new role or disabling, and not on a new name or enabling', async () => {
    const { client } = await createOnGraphql('importer');
    const id = Number(client.id);
    const steps: [string, () => Promise<unknown>, string | null][] = [
      ['rename', () => trpc(server.url, 'mutation', 'clients.update', { id, name: 'stock importer 2' }, admin), null],
      ['rotate', () => graphql(server.url, `mutation { rotateClientSecret(id: "${id}") { secret } }`, {}, admin), 'client_secret_rotated'],
      ['role', () => graphql(server.url, `mutation { updateClient(id: "${id}", input: { role: "developer" }) { id } }`, {}, admin), 'client_role_changed'],
      ['disable', () => trpc(server.url, 'mutation', 'clients.update', { id, disabled: true }, admin), 'client_disabled'],
      ['enable', () => cli(server.database, ['clients', 'enable', client.clientId]), null],
      ['delete', () => trpc(server.url, 'mutation', 'clients.delete', { id }, admin), 'client_deleted'],
    ];
    for (const [step, act, reason] of steps) {
      const credential = await credentialOf(id);
      await act();
      expect([step, await revokedFor(credential)]).toEqual([step, reason ? [reason] : []]);
      if (step !== 'delete') expect([step, (await credentialOf(id)) !== credential]).toEqual([step, reason !== null]);
    }
    expect(await sql('select 1 from clients where id = ?', [id])).toEqual([]);
  });

  it('answers a new secret once on every door, the old hash replaced', async () => {
    const { client, secret } = await createOnGraphql('rotator');
    const id = Number(client.id);
    const viaTrpc = await trpc(server.url, 'mutation', 'clients.rotateSecret', { id }, admin);
    const second: string = viaTrpc.body.result.data.secret;
    const viaCli = await cli(server.database, ['clients', 'rotate-secret', client.clientId]);
    const third = /: (kws_[\w-]+)\n/.exec(viaCli.stdout)![1]!;
    expect(new Set([secret, second, third]).size).toBe(3);
    const [{ secret_hash }] = (await sql<{ secret_hash: string }>('select secret_hash from clients where id = ?', [id])) as [{ secret_hash: string }];
    expect(secret_hash).toBe(sha256(third));
  });

  it('refuses an unknown client, an empty change, a bad id, and a role some client holds from being deleted', async () => {
    const missing = await trpc(server.url, 'mutation', 'clients.update', { id: 999999, name: 'x' }, admin);
    expect([missing.status, missing.body.error.message]).toEqual([404, 'Client 999999 not found']);
    const nothing = await graphql(server.url, 'mutation { updateClient(id: "1", input: {}) { id } }', {}, admin);
    expect(nothing.body.errors[0]).toMatchObject({ message: 'must change at least one field', extensions: { code: 'BAD_USER_INPUT' } });
    const badId = await graphql(server.url, 'mutation { deleteClient(id: "first") }', {}, admin);
    expect(badId.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const cliMissing = await cli(server.database, ['clients', 'disable', 'kwc_nope']);
    expect([cliMissing.code, cliMissing.stderr.trim()]).toEqual([1, 'keyway: No client "kwc_nope"']);

    await trpc(server.url, 'mutation', 'roles.upsert', { name: 'robots', permissions: ['GET'] }, admin);
    await trpc(server.url, 'mutation', 'clients.create', { name: 'robot', role: 'robots' }, admin);
    const held = await graphql(server.url, 'mutation { deleteRole(name: "robots") }', {}, admin);
    expect(held.body.errors[0]).toMatchObject({ message: 'Role "robots" is held by 1 client', extensions: { code: 'CONFLICT' } });
  });
});

describe('the audit trail', () => {
  it('records clients created, changed and deleted on each door, never with a secret', async () => {
    const { client, secret } = await createOnGraphql('audited');
    await trpc(server.url, 'mutation', 'clients.update', { id: Number(client.id), disabled: true }, admin);
    await cli(server.database, ['clients', 'rotate-secret', client.clientId]);
    await graphql(server.url, `mutation { deleteClient(id: "${client.id}") }`, {}, admin);
    const page = await trpc(server.url, 'query', 'audit.list', { types: ['CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_DELETED'], limit: 100 }, admin);
    const events = page.body.result.data.events.filter((e: { details: { clientId?: string } }) => e.details.clientId === client.clientId).reverse();
    expect(events.map((e: { type: string; door: string; actor: string | null }) => [e.type, e.door, e.actor])).toEqual([
      ['CLIENT_CREATED', 'graphql', 'admin'],
      ['CLIENT_UPDATED', 'trpc', 'admin'],
      ['CLIENT_UPDATED', 'cli', null],
      ['CLIENT_DELETED', 'graphql', 'admin'],
    ]);
    expect(events[1].details).toMatchObject({ disabled: true });
    expect(events[2].details).toMatchObject({ secretRotated: true });
    expect(JSON.stringify(page.body)).not.toContain(secret);
    expect(JSON.stringify(page.body)).not.toMatch(/kws_/);
  });
});
