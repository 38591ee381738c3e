import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const { users } = server.app.keyway.services;
  await users.create({ username: 'maria', password: 'vende-mucho-1', role: 'vendedor' }, OPERATOR);
  const disabled = await users.create({ username: 'olvidado', password: 'olvidado-pw-1', role: 'viewer' }, OPERATOR);
  await users.update(disabled.id, { disabled: true }, OPERATOR);
});

afterAll(() => server?.close());

describe('POST /login (StockAPI)', () => {
  it('answers a right password with the token, a refresh token, the expiry and the user', async () => {
    const reply = await post(server.url, '/login', { username: 'maria', password: 'vende-mucho-1' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(reply.body).sort()).toEqual(['expiresAt', 'refreshToken', 'token', 'user']);
    expect(reply.body.user).toEqual({ id: expect.any(Number), username: 'maria', role: 'vendedor' });
    expect(reply.body.token.split('.')).toHaveLength(3);
    expect(reply.body.refreshToken).toMatch(/^kwrt_[A-Za-z0-9_-]{22}\.0\.[A-Za-z0-9_-]{43}$/);
    const expiresIn = Date.parse(reply.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(4 * 3600_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(4 * 3600_000);
  });

  it('finds the user whatever the case and Unicode form of the username', async () => {
    const reply = await post(server.url, '/login', { username: 'ＭＡＲＩＡ', password: 'vende-mucho-1' });
    expect(reply.status).toBe(200);
    expect(reply.body.user.username).toBe('maria');
  });

  it('answers an unknown username with 401 "Usuario no encontrado"', async () => {
    const reply = await post(server.url, '/login', { username: 'nadie', password: 'whatever-it-is' });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"message":"Usuario no encontrado"}');
  });

  it('answers a wrong password with 401 "Contraseña incorrecta"', async () => {
    const reply = await post(server.url, '/login', { username: 'admin', password: 'not the password' });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"message":"Contraseña incorrecta"}');
  });

  it('answers a disabled user with 403 "Usuario deshabilitado", after the right password only', async () => {
    const right = await post(server.url, '/login', { username: 'olvidado', password: 'olvidado-pw-1' });
    expect(right.status).toBe(403);
    expect(right.text).toBe('{"message":"Usuario deshabilitado"}');
    const wrong = await post(server.url, '/login', { username: 'olvidado', password: 'wrong-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toBe('{"message":"Contraseña incorrecta"}');
  });

  it('answers any other failure with 500 "Error en el login", and no detail', async () => {
    const { orm } = server.app.keyway.database;
    // A real fault in the database: the session cannot be written.
    await orm.em.getConnection().execute('alter table sessions rename to sessions_away');
    try {
      const reply = await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD });
      expect(reply.status).toBe(500);
      expect(reply.text).toBe('{"message":"Error en el login"}');
    } finally {
      await orm.em.getConnection().execute('alter table sessions_away rename to sessions');
    }
    expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
  });

  it('answers a body without username or password with 400 and the fields at fault', async () => {
    const reply = await post(server.url, '/login', { username: 'admin' });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toBe('Datos inválidos');
    expect(Object.keys(reply.body.errors)).toEqual(['password']);
  });
});
