import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;
const tokens: Record<'admin' | 'vendedor' | 'viewer', string> = { admin: '', vendedor: '', viewer: '' };

beforeAll(async () => {
  server = await startServer();
  const { users } = server.app.keyway.services;
  await users.create({ username: 'vera', password: 'vendedora-1', role: 'vendedor' }, OPERATOR);
  await users.create({ username: 'victor', password: 'viewer-pw-1', role: 'viewer' }, OPERATOR);
  tokens.admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
  tokens.vendedor = (await login(server.url, 'vera', 'vendedora-1')).token;
  tokens.viewer = (await login(server.url, 'victor', 'viewer-pw-1')).token;
});

afterAll(() => server?.close());

const widget = { sku: 'WID-001', name: 'Widget', description: 'A widget', price: '19.9', stock: 10 };

describe('the products API', () => {
  let id: number;

  it('creates a product (201), its price a decimal string with two places', async () => {
    const reply = await post(server.url, '/products', widget, { token: tokens.admin });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ sku: 'WID-001', name: 'Widget', description: 'A widget', price: '19.90', stock: 10 });
    expect(reply.body.id).toEqual(expect.any(Number));
    expect(Date.parse(reply.body.createdAt)).not.toBeNaN();
    id = reply.body.id;
  });

  it('refuses a duplicate SKU with 409', async () => {
    const reply = await post(server.url, '/products', { ...widget, name: 'Other' }, { token: tokens.admin });
    expect(reply.status).toBe(409);
    expect(reply.text).toBe('{"message":"Ya existe un producto con ese SKU"}');
  });

  it('reads one product, and answers an unknown id with 404', async () => {
    const found = await call(server.url, `/products/${id}`, { token: tokens.viewer });
    expect(found.status).toBe(200);
    expect(found.body.sku).toBe('WID-001');
    const missing = await call(server.url, '/products/999999', { token: tokens.viewer });
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('{"message":"Producto no encontrado"}');
  });

  it('lists products a page at a time, with the total in X-Total-Count', async () => {
    for (let n = 2; n <= 4; n++) {
      await post(server.url, '/products', { ...widget, sku: `WID-00${n}`, price: n }, { token: tokens.admin });
    }
    const page = await call(server.url, '/products?limit=2&offset=1', { token: tokens.viewer });
    expect(page.status).toBe(200);
    expect(page.headers.get('x-total-count')).toBe('4');
    expect(page.body.map((product: { sku: string }) => product.sku)).toEqual(['WID-002', 'WID-003']);
    expect(page.body[0].price).toBe('2.00');
    const badPage = await call(server.url, '/products?limit=0', { token: tokens.viewer });
    expect(badPage.status).toBe(400);
  });

  it('lets a vendedor update stock (PUT) but neither create nor delete', async () => {
    const update = await call(server.url, `/products/${id}`, { method: 'PUT', body: { stock: 7 }, token: tokens.vendedor });
    expect(update.status).toBe(200);
    expect(update.body).toMatchObject({ id, stock: 7, price: '19.90' });

    const create = await post(server.url, '/products', { ...widget, sku: 'NEW-1' }, { token: tokens.vendedor });
    expect(create.status).toBe(403);
    expect(create.text).toBe('{"message":"Permiso denegado"}');

    const remove = await call(server.url, `/products/${id}`, { method: 'DELETE', token: tokens.vendedor });
    expect(remove.status).toBe(403);
    expect(remove.text).toBe('{"message":"Permiso denegado"}');
  });

  it('lets a viewer read but not update', async () => {
    const update = await call(server.url, `/products/${id}`, { method: 'PUT', body: { stock: 1 }, token: tokens.viewer });
    expect(update.status).toBe(403);
    expect(update.text).toBe('{"message":"Permiso denegado"}');
  });

  it('refuses negative stock, a price with three decimals and fields of the wrong type with 400', async () => {
    for (const body of [
      { ...widget, sku: 'BAD-1', stock: -1 },
      { ...widget, sku: 'BAD-2', price: '1.234' },
      { ...widget, sku: 'BAD-3', price: '-1' },
      { ...widget, sku: 'BAD-4', stock: 1.5 },
      { ...widget, sku: 12 },
      { name: 'no sku' },
    ]) {
      const reply = await post(server.url, '/products', body, { token: tokens.admin });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.message).toBe('Datos inválidos');
    }
    const empty = await call(server.url, `/products/${id}`, { method: 'PUT', body: {}, token: tokens.admin });
    expect(empty.status).toBe(400);
  });

  it('deletes a product (204), which is then gone', async () => {
    const remove = await call(server.url, `/products/${id}`, { method: 'DELETE', token: tokens.admin });
    expect(remove.status).toBe(204);
    expect(remove.text).toBe('');
    expect((await call(server.url, `/products/${id}`, { token: tokens.admin })).status).toBe(404);
    expect((await call(server.url, `/products/${id}`, { method: 'DELETE', token: tokens.admin })).status).toBe(404);
  });
});

describe("StockAPI's verifyToken middleware table", () => {
  it('answers no Authorization header with 401 "No se proporcionó token"', async () => {
    const reply = await call(server.url, '/products');
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"message":"No se proporcionó token"}');
  });

  it('answers a header that is not "Bearer <jwt>" with 401 "Token inválido"', async () => {
    for (const authorization of [`Token ${tokens.admin}`, tokens.admin, 'Bearer', 'Bearer abc', 'Bearer a.b.c']) {
      const reply = await call(server.url, '/products', { headers: { authorization } });
      expect(reply.status, authorization.slice(0, 16)).toBe(401);
      expect(reply.text).toBe('{"message":"Token inválido"}');
    }
  });

  it('answers a bad signature with 403 "Token expirado o inválido"', async () => {
    const [header, payload] = tokens.admin.split('.');
    const reply = await call(server.url, '/products', { token: `${header}.${payload}.c2lnbmF0dXJl` });
    expect(reply.status).toBe(403);
    expect(reply.text).toBe('{"message":"Token expirado o inválido"}');
  });

  it('checks the token before reading the body', async () => {
    const reply = await post(server.url, '/products', '{not json', { headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"message":"No se proporcionó token"}');
  });
});
