import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

// Verifying a token never waits on the database's work. On PGlite that means the embedded PostgreSQL
// must not run on the event loop: a long statement there would hold up every request.
describe('verification while the database is busy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('answers /api/verify_token before a slow statement finishes', async () => {
    const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
    const order: string[] = [];
    const busy = server.app.keyway.database.orm.em
      .getConnection()
      .execute('select pg_sleep(2)')
      .then(() => order.push('database'));
    const verified = await post(server.url, '/api/verify_token', undefined, { token });
    order.push('verification');
    expect(verified.status).toBe(200);
    expect(verified.body.valid).toBe(true);
    await busy;
    expect(order).toEqual(['verification', 'database']);
  });
});
