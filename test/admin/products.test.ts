import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, login, trpc } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;
let vendedor: string;
let developer: string;

beforeAll(async () => {
  server = await startServer();
  const { users } = server.app.keyway.services;
  await users.create({ username: 'vanesa', password: 'vanesa-password', role: 'vendedor' }, OPERATOR);
  await users.create({ username: 'diego', password: 'diego-password', role: 'developer' }, OPERATOR);
  vendedor = (await login(server.url, 'vanesa', 'vanesa-password')).token;
  developer = (await login(server.url, 'diego', 'diego-password')).token;
});

afterAll(() => server?.close());

const gqlCode = (reply: { body: any }) => reply.body.errors?.[0]?.extensions?.code;

describe('products on GraphQL and tRPC, with the rules of REST', () => {
  it('creates with a normalised price, answers a duplicate SKU with CONFLICT on both doors', async () => {
    const gql = await graphql(server.url, 'mutation { createProduct(input: { sku: "G-1", name: "Gadget", price: "3.5", stock: 2 }) { id sku price stock description } }', {}, developer);
    expect(gql.body.data.createProduct).toMatchObject({ sku: 'G-1', price: '3.50', stock: 2, description: '' });
    const rpc = await trpc(server.url, 'mutation', 'products.create', { sku: 'G-1', name: 'Again', price: '1', stock: 1 }, developer);
    expect(rpc.status).toBe(409);
    expect(rpc.body.error.data).toMatchObject({ code: 'CONFLICT', domainCode: 'CONFLICT' });
    expect(gqlCode(await graphql(server.url, 'mutation { createProduct(input: { sku: "G-1", name: "Again", price: "1", stock: 1 }) { id } }', {}, developer))).toBe('CONFLICT');
  });

  it('answers an unknown id with NOT_FOUND on both doors', async () => {
    expect(gqlCode(await graphql(server.url, '{ product(id: "424242") { id } }', {}, vendedor))).toBe('NOT_FOUND');
    const rpc = await trpc(server.url, 'query', 'products.get', { id: 424242 }, vendedor);
    expect(rpc.status).toBe(404);
    expect(rpc.body.error.data.domainCode).toBe('NOT_FOUND');
    expect(gqlCode(await graphql(server.url, 'mutation { deleteProduct(id: "424242") }', {}, developer))).toBe('NOT_FOUND');
  });

  it('refuses negative stock and a price with three places with BAD_USER_INPUT', async () => {
    const negative = await trpc(server.url, 'mutation', 'products.create', { sku: 'N-1', name: 'N', price: '1.00', stock: -1 }, developer);
    expect(negative.body.error.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'BAD_USER_INPUT', fields: { stock: ['must be at least 0'] } });
    const price = await graphql(server.url, 'mutation { createProduct(input: { sku: "N-2", name: "N", price: "1.005", stock: 1 }) { id } }', {}, developer);
    expect(price.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: { price: [expect.stringContaining('two places')] } });
  });

  it('lets a vendedor read and update stock, and nothing else', async () => {
    const list = await trpc(server.url, 'query', 'products.list', {}, vendedor);
    const [product] = list.body.result.data;
    const updated = await trpc(server.url, 'mutation', 'products.update', { id: product.id, stock: 40 }, vendedor);
    expect(updated.body.result.data).toMatchObject({ id: product.id, stock: 40, price: '3.50' });
    const gqlUpdate = await graphql(server.url, `mutation { updateProduct(id: "${product.id}", input: { stock: 41 }) { stock } }`, {}, vendedor);
    expect(gqlUpdate.body.data.updateProduct.stock).toBe(41);
    expect(gqlCode(await graphql(server.url, `mutation { deleteProduct(id: "${product.id}") }`, {}, vendedor))).toBe('FORBIDDEN');
    expect((await trpc(server.url, 'mutation', 'products.create', { sku: 'V', name: 'V', price: '1', stock: 1 }, vendedor)).status).toBe(403);
    expect(gqlCode(await graphql(server.url, '{ users { id } }', {}, vendedor))).toBe('FORBIDDEN');
  });
});
