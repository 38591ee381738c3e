import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '../../src/verify/index.js';
import { login, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, freePort, startServer, type TestServer } from '../helpers/server.js';

// keyway/verify following a real Keyway's revocation feed (SPEC §14): the replay read before
// createVerifier resolves, live revocations, a credential revoked and restored, a Keyway restarted
// (the verifier resumes with Last-Event-ID), and credentials Keyway refuses.

let server: TestServer;
let port: number;
let admin: string;
const verifiers: Verifier[] = [];

beforeAll(async () => {
  port = await freePort();
  server = await startServer({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(async () => {
  for (const verifier of verifiers) await verifier.close();
  await server?.close();
});

async function machineClient(name: string) {
  const created = await trpc(server.url, 'mutation', 'clients.create', { name, role: 'viewer' }, admin);
  return created.body.result.data as { client: { id: number; clientId: string }; secret: string };
}

async function follower(name: string, errors: Error[] = []): Promise<Verifier> {
  const { client, secret } = await machineClient(name);
  const verifier = await createVerifier({ issuer: server.url, clientId: client.clientId, clientSecret: secret, onError: (error) => errors.push(error) });
  verifiers.push(verifier);
  return verifier;
}

const session = async () => (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
const logout = async (token: string) => expect((await trpc(server.url, 'mutation', 'auth.logout', undefined, token)).status).toBe(200);
const refused = (verifier: Verifier, token: string) =>
  expect.poll(async () => verifier.verify(token), { timeout: 8000, interval: 20 }).toEqual({ ok: false, reason: 'SESSION_REVOKED' });

describe('keyway/verify following the revocation feed', () => {
  it('has read the revocations in force when createVerifier resolves, and refuses each new one as it comes', async () => {
    const before = await session();
    await logout(before);
    const verifier = await follower('replay follower');
    expect(verifier.feed).toBe('connected');
    expect(await verifier.verify(before)).toEqual({ ok: false, reason: 'SESSION_REVOKED' });

    const live = await session();
    expect((await verifier.verify(live)).ok).toBe(true);
    const revokedAt = Date.now();
    await logout(live);
    await refused(verifier, live);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it("gets a new token when its credential is revoked, and resumes after the last event it read", async () => {
    const errors: Error[] = [];
    const { client, secret } = await machineClient('disabled follower');
    const verifier = await createVerifier({ issuer: server.url, clientId: client.clientId, clientSecret: secret, onError: (error) => errors.push(error) });
    verifiers.push(verifier);
    // Disabled, the client's stream ends and no new token is granted: the verifier says so, and keeps trying.
    expect((await trpc(server.url, 'mutation', 'clients.update', { id: client.id, disabled: true }, admin)).status).toBe(200);
    await expect.poll(() => errors.map((error) => error.message).join('\n'), { timeout: 8000 }).toMatch(/invalid_client/);
    expect(verifier.feed).toBe('connecting');
    // Revoked meanwhile, then the client enabled again: the resumed feed brings it.
    const meanwhile = await session();
    await logout(meanwhile);
    expect((await trpc(server.url, 'mutation', 'clients.update', { id: client.id, disabled: false }, admin)).status).toBe(200);
    await refused(verifier, meanwhile);
    expect(verifier.feed).toBe('connected');
  });

  it('reconnects to a restarted Keyway and learns what was revoked while it was away', { timeout: 60_000 }, async () => {
    const verifier = await follower('restart follower');
    const token = await session();
    await server.stop();
    await expect.poll(() => verifier.feed).toBe('connecting');
    server = await startServer({ port, database: server.database, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    await logout(token);
    await refused(verifier, token);
    expect(verifier.feed).toBe('connected');
  });

  it('refuses to start with credentials Keyway does not grant, saying so', async () => {
    const { client } = await machineClient('wrong secret');
    const started = Date.now();
    await expect(createVerifier({ issuer: server.url, clientId: client.clientId, clientSecret: 'kws_wrong' })).rejects.toThrow(/invalid_client/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
