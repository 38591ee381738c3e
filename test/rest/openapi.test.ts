import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, post, type Reply } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;
let document: any;

beforeAll(async () => {
  server = await startServer();
  const disabled = await server.app.keyway.services.users.create({ username: 'off', password: 'off-password', role: 'viewer' }, OPERATOR);
  await server.app.keyway.services.users.update(disabled.id, { disabled: true }, OPERATOR);
  document = (await call(server.url, '/openapi.json')).body;
});

afterAll(() => server?.close());

/** Every example body documented for one answer. */
function examplesOf(path: string, method: string, status: number): unknown[] {
  const content = document.paths[path][method].responses[String(status)].content['application/json'];
  const schemas = [content.schema, ...(content.schema.anyOf ?? [])];
  return [
    ...(content.example === undefined ? [] : [content.example]),
    ...Object.values(content.examples ?? {}).map((example: any) => example.value),
    ...schemas.flatMap((schema: any) => schema.examples ?? []),
  ];
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of the REST door, and of nothing else', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/.well-known/jwks.json',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/api/login',
      '/api/login/mfa',
      '/api/verify_token',
      '/healthz',
      '/login',
      '/login/mfa',
      '/products',
      '/products/{id}',
      '/readyz',
    ]);
    expect(document.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('describes request bodies with the schemas that validate them', () => {
    const body = document.paths['/login'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['username', 'password']);
    const b2 = document.paths['/api/login'].post.requestBody.content['application/json'].schema;
    expect(b2.required).toEqual(['_username', '_password']);
    const product = document.paths['/products'].post.requestBody.content['application/json'].schema;
    expect(product.required).toEqual(expect.arrayContaining(['sku', 'name', 'price', 'stock']));
    expect(product.properties.stock).toMatchObject({ type: 'integer', minimum: 0 });
  });

  it("documents the replaced APIs' error bodies", () => {
    expect(examplesOf('/login', 'post', 401)).toEqual([{ message: 'Usuario no encontrado' }, { message: 'Contraseña incorrecta' }]);
    expect(examplesOf('/login', 'post', 500)).toEqual([{ message: 'Error en el login' }]);
    expect(examplesOf('/products', 'get', 401)).toEqual([{ message: 'No se proporcionó token' }, { message: 'Token inválido' }]);
    expect(examplesOf('/products', 'get', 403)).toEqual([{ message: 'Token expirado o inválido' }, { message: 'Permiso denegado' }]);
    expect(examplesOf('/api/login', 'post', 401)).toEqual([
      { code: 401, error: 'User not found.' },
      { code: 401, error: 'Invalid password.' },
    ]);
    expect(examplesOf('/api/login', 'post', 500)).toEqual([{ code: 500, error: 'Database connection failed.' }]);
    expect(examplesOf('/api/verify_token', 'post', 500)).toEqual([
      { code: 500, valid: false, error: 'Token is not valid. Please login again.' },
    ]);
    expect(examplesOf('/api/verify_token', 'post', 401)).toEqual([{ code: 401, valid: false, error: 'No token provided.' }]);
  });

  it('matches what the server really answers', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: its function is the default export's default under NodeNext.
    (formats as unknown as { default: (ajv: Ajv2020) => void }).default(ajv);
    const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
    const created = await post(server.url, '/products', { sku: 'DOC-1', name: 'Documented', price: '5', stock: 5 }, { token });
    const answers: Array<[string, string, Reply]> = [
      ['/login', 'post', await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })],
      ['/login', 'post', await post(server.url, '/login', { username: 'nobody', password: 'x' })],
      ['/login', 'post', await post(server.url, '/login', { username: 'off', password: 'off-password' })],
      ['/login', 'post', await post(server.url, '/login', { username: 1 })],
      ['/login', 'post', await post(server.url, '/login', '{', { headers: { 'content-type': 'application/json' } })],
      ['/api/login', 'post', await post(server.url, '/api/login', { _username: 'admin', _password: ADMIN_PASSWORD })],
      ['/api/login', 'post', await post(server.url, '/api/login', { _username: 'admin', _password: 'wrong' })],
      ['/api/login', 'post', await post(server.url, '/api/login', { _username: 'nobody', _password: 'wrong' })],
      ['/api/verify_token', 'post', await post(server.url, '/api/verify_token', undefined, { token })],
      ['/api/verify_token', 'post', await post(server.url, '/api/verify_token')],
      ['/api/verify_token', 'post', await post(server.url, '/api/verify_token', undefined, { token: `${token}x` })],
      ['/products', 'post', created],
      ['/products', 'post', await post(server.url, '/products', { sku: 'DOC-1', name: 'Again', price: '5', stock: 5 }, { token })],
      ['/products', 'get', await call(server.url, '/products', { token })],
      ['/products', 'get', await call(server.url, '/products')],
      ['/products/{id}', 'get', await call(server.url, `/products/${created.body.id}`, { token })],
      ['/products/{id}', 'get', await call(server.url, '/products/424242', { token })],
      ['/products/{id}', 'put', await call(server.url, `/products/${created.body.id}`, { method: 'PUT', body: { stock: 1 }, token })],
      ['/.well-known/jwks.json', 'get', await call(server.url, '/.well-known/jwks.json')],
      ['/.well-known/oauth-authorization-server', 'get', await call(server.url, '/.well-known/oauth-authorization-server')],
      ['/.well-known/openid-configuration', 'get', await call(server.url, '/.well-known/openid-configuration')],
      ['/healthz', 'get', await call(server.url, '/healthz')],
      ['/readyz', 'get', await call(server.url, '/readyz')],
    ];
    const mismatches: string[] = [];
    for (const [path, method, reply] of answers) {
      const documented = document.paths[path][method].responses[String(reply.status)];
      if (!documented) {
        mismatches.push(`${method} ${path}: status ${reply.status} is not documented`);
        continue;
      }
      const validate = ajv.compile(documented.content['application/json'].schema);
      if (!validate(reply.body)) mismatches.push(`${method} ${path} ${reply.status}: ${ajv.errorsText(validate.errors)} in ${reply.text.slice(0, 120)}`);
    }
    expect(mismatches).toEqual([]);
  });
});
