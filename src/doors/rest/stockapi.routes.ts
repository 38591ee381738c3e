import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authorize } from '../../core/authorization.js';
import type { Permission } from '../../core/permissions.js';
import { resolvePrincipal } from '../../core/principal.js';
import {
  createProductInput,
  idField,
  loginInput,
  paginationInput,
  updateProductInput,
} from '../../core/schemas.js';
import type { Services } from '../../core/services.js';
import { errorHandler, stockApi, STOCKAPI_TOKEN_FAILURES } from './errors.js';
import { loginView, productView } from './views.js';
import { z } from 'zod';

const productParams = z.object({ id: idField });

/** StockAPI: `POST /login` and the products API, guarded like its verifyToken middleware. */
export const stockApiRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.setErrorHandler(errorHandler(stockApi));

  api.post('/login', { schema: { body: loginInput }, config: { failureMessage: 'Error en el login' } }, async (request) =>
    loginView(await services.auth.login(request.body, { ip: request.ip, userAgent: request.headers['user-agent'] })),
  );

  // Token and permission are checked on arrival, before a body is read: a caller without the
  // right never gets to make the server parse anything.
  api.addHook('onRequest', async (request, reply) => {
    const permission = request.routeOptions.config.permission;
    if (!permission) return;
    const result = resolvePrincipal(services.tokens, request.headers.authorization);
    if (!result.ok) {
      const [status, message] = STOCKAPI_TOKEN_FAILURES[result.reason];
      return reply.code(status).send({ message });
    }
    authorize(result.principal, { permissions: [permission] });
  });

  api.get('/products', { schema: { querystring: paginationInput }, config: { permission: 'GET' } }, async (request, reply) => {
    const { items, total } = await services.products.list(request.query);
    reply.header('x-total-count', String(total));
    return items.map(productView);
  });

  api.get('/products/:id', { schema: { params: productParams }, config: { permission: 'GET' } }, async (request) =>
    productView(await services.products.get(request.params.id)),
  );

  api.post('/products', { schema: { body: createProductInput }, config: { permission: 'POST' } }, async (request, reply) =>
    reply.code(201).send(productView(await services.products.create(request.body))),
  );

  api.put(
    '/products/:id',
    { schema: { params: productParams, body: updateProductInput }, config: { permission: 'PUT' } },
    async (request) => productView(await services.products.update(request.params.id, request.body)),
  );

  api.delete('/products/:id', { schema: { params: productParams }, config: { permission: 'DELETE' } }, async (request, reply) => {
    await services.products.delete(request.params.id);
    return reply.code(204).send();
  });
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a StockAPI route needs: the one named after its HTTP method. */
    permission?: Permission;
  }
}
