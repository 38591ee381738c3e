import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireInCi } from '../helpers/ci.js';
import { createPostgresDatabase, DB_KIND } from '../helpers/database.js';
import { call, graphql, login, post, trpc } from '../helpers/http.js';
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from '../helpers/postgres.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

// A PostgreSQL server of this test's own, stopped and started for real: TEST_DATABASE_URL's server
// will not do, it takes initdb and pg_ctl.
const runs =
  DB_KIND === 'postgres' &&
  requireInCi(Boolean(findPostgresBin()), "PostgreSQL's server programs (initdb, pg_ctl: apt-get install -y postgresql)", 'the database outage tests');

describe.runIf(runs)('when PostgreSQL goes away', () => {
  let cluster: PostgresCluster;
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    server = await startServer({ database: await createPostgresDatabase(cluster.url) });
    token = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
    await cluster.stop();
  });

  afterAll(async () => {
    await server?.stop();
    await cluster?.destroy();
  });

  it('B2Market login answers 500 {"code":500,"error":"Database connection failed."}', async () => {
    const reply = await post(server.url, '/api/login', { _username: 'admin', _password: ADMIN_PASSWORD });
    expect(reply.status).toBe(500);
    expect(reply.text).toBe('{"code":500,"error":"Database connection failed."}');
  });

  it('StockAPI login answers 500 {"message":"Error en el login"}', async () => {
    const reply = await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD });
    expect(reply.status).toBe(500);
    expect(reply.text).toBe('{"message":"Error en el login"}');
  });

  it('GraphQL login answers 200 with the error DATABASE_UNAVAILABLE', async () => {
    const gql = await graphql(server.url, `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { token } }`);
    expect(gql.status).toBe(200);
    expect(gql.text).toBe(
      '{"errors":[{"message":"Database unavailable","locations":[{"line":1,"column":12}],"path":["login"],"extensions":{"code":"DATABASE_UNAVAILABLE"}}],"data":null}\n',
    );
  });

  it('tRPC login answers 503 SERVICE_UNAVAILABLE, the domain code in data.domainCode', async () => {
    const rpc = await trpc(server.url, 'mutation', 'auth.login', { username: 'admin', password: ADMIN_PASSWORD });
    expect(rpc.status).toBe(503);
    expect(rpc.text).toBe(
      '{"error":{"message":"Database unavailable","code":-32603,"data":{"code":"SERVICE_UNAVAILABLE","httpStatus":503,"path":"auth.login","domainCode":"DATABASE_UNAVAILABLE"}}}',
    );
  });

  it('/readyz answers 503 while verifying a token still works, on every door', async () => {
    expect((await call(server.url, '/readyz')).status).toBe(503);
    const verify = await post(server.url, '/api/verify_token', undefined, { token });
    expect(verify.status).toBe(200);
    expect(verify.body.valid).toBe(true);
    expect((await graphql(server.url, 'mutation { verifyToken { valid } }', {}, token)).body.data.verifyToken.valid).toBe(true);
    expect((await trpc(server.url, 'mutation', 'auth.verifyToken', undefined, token)).body.result.data.valid).toBe(true);
  });

  it('recovers by itself when the database returns', async () => {
    await cluster.start();
    const back = performance.now();
    const deadline = back + 15_000;
    let status = 0;
    while (performance.now() < deadline) {
      status = (await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.info(`recovered ${(performance.now() - back).toFixed(0)} ms after PostgreSQL accepted connections again`);
    expect(status).toBe(200);
    expect((await call(server.url, '/readyz')).status).toBe(200);
  });
});
