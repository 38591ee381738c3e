import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authorize } from '../../core/authorization.js';
import type { Permission } from '../../core/permissions.js';
import {
  completeLoginInput,
  createProductInput,
  idField,
  loginInput,
  paginationInput,
  updateProductInput,
} from '../../core/schemas.js';
import type { Services } from '../../core/services.js';
import { errorHandler, stockApi, STOCKAPI_TOKEN_FAILURES } from './errors.js';
import { PROTECTED_RESPONSES, product, stockApiError, stockApiLoginResponse, stockApiMfaRequired } from './openapi.js';
import { clientOf } from '../request-context.js';
import { productView } from '../views.js';
import { loginView } from './views.js';
import { z } from 'zod';

const productParams = z.object({ id: idField });

/** StockAPI: `POST /login` and the products API, guarded like its verifyToken middleware. */
export const stockApiRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.setErrorHandler(errorHandler(stockApi));

  api.post(
    '/login',
    {
      schema: {
        tags: ['StockAPI'],
        summary: 'Log in',
        body: loginInput,
        response: {
          200: stockApiLoginResponse,
          400: stockApiError('A body that is not JSON, or fields missing or of the wrong type', [
            'Datos inválidos',
            'El cuerpo de la solicitud no es JSON válido',
          ]),
          401: z.union([
            stockApiError('Unknown username, or wrong password', ['Usuario no encontrado', 'Contraseña incorrecta']),
            stockApiMfaRequired,
          ]),
          403: stockApiError('The user is disabled', ['Usuario deshabilitado']),
          413: stockApiError('A body over 64 KiB', ['El cuerpo de la solicitud es demasiado grande']),
          415: stockApiError('A body not sent as application/json', ['El cuerpo debe enviarse como application/json']),
          429: stockApiError('Too many failed attempts; Retry-After says when to try again', [
            'Demasiados intentos. Intente de nuevo en 840 segundos',
          ]),
          500: stockApiError('Any other failure', ['Error en el login']),
        },
      },
      config: { failureMessage: 'Error en el login' },
    },
    async (request) =>
      loginView(await services.auth.login(request.body, clientOf(request, 'rest'))),
  );

  api.post(
    '/login/mfa',
    {
      schema: {
        tags: ['StockAPI'],
        summary: 'Complete a login with a second factor (Keyway)',
        description: 'The `mfaToken` of a login answered 401 with it, and a TOTP or recovery code; answers as `POST /login` does.',
        body: completeLoginInput,
        response: {
          200: stockApiLoginResponse,
          400: stockApiError('A body that is not JSON, or fields missing or of the wrong type', ['Datos inválidos']),
          401: stockApiError('A wrong, reused or expired code, or a challenge used, expired or unknown', [
            'Código de verificación incorrecto',
            'Desafío de segundo factor inválido o expirado',
          ]),
          403: stockApiError('The user is disabled', ['Usuario deshabilitado']),
          429: stockApiError('Too many wrong codes; Retry-After says when to try again', ['Demasiados intentos. Intente de nuevo en 840 segundos']),
          500: stockApiError('Any other failure', ['Error en el login']),
        },
      },
      config: { failureMessage: 'Error en el login' },
    },
    async (request) =>
      loginView(await services.mfa.completeLogin(request.body.mfaToken, request.body.code, clientOf(request, 'rest'))),
  );

  // Token and permission are checked on arrival, before a body is read: a caller without the
  // right never gets to make the server parse anything.
  api.addHook('onRequest', async (request, reply) => {
    const permission = request.routeOptions.config.permission;
    if (!permission) return;
    const result = services.resolvePrincipal(request.headers.authorization, 'rest');
    if (!result.ok) {
      const [status, message] = STOCKAPI_TOKEN_FAILURES[result.reason];
      return reply.code(status).send({ message });
    }
    authorize(result.principal, { permissions: [permission] });
  });

  const guarded = (summary: string, permission: Permission) => ({
    tags: ['StockAPI'],
    summary,
    description: `Needs the ${permission} permission.`,
    security: [{ bearerAuth: [] }],
  });
  const badInput = stockApiError('Fields missing or of the wrong type', ['Datos inválidos']);
  const notFound = stockApiError('No product has that id', ['Producto no encontrado']);
  const skuTaken = stockApiError('The SKU is taken', ['Ya existe un producto con ese SKU']);

  api.get('/products', {
    schema: {
      ...guarded('List products, a page at a time (the total in X-Total-Count)', 'GET'),
      querystring: paginationInput,
      response: { 200: z.array(product).describe('A page of products'), 400: badInput, ...PROTECTED_RESPONSES },
    },
    config: { permission: 'GET' },
  }, async (request, reply) => {
    const { items, total } = await services.products.list(request.query);
    reply.header('x-total-count', String(total));
    return items.map(productView);
  });

  api.get('/products/:id', {
    schema: {
      ...guarded('Read a product', 'GET'),
      params: productParams,
      response: { 200: product, 400: badInput, 404: notFound, ...PROTECTED_RESPONSES },
    },
    config: { permission: 'GET' },
  }, async (request) => productView(await services.products.get(request.params.id)));

  api.post('/products', {
    schema: {
      ...guarded('Create a product', 'POST'),
      body: createProductInput,
      response: {
        201: product.describe('Created'),
        400: badInput,
        409: skuTaken,
        ...PROTECTED_RESPONSES,
      },
    },
    config: { permission: 'POST' },
  }, async (request, reply) => reply.code(201).send(productView(await services.products.create(request.body))));

  api.put('/products/:id', {
    schema: {
      ...guarded('Change the fields given of a product', 'PUT'),
      params: productParams,
      body: updateProductInput,
      response: {
        200: product,
        400: badInput,
        404: notFound,
        409: skuTaken,
        ...PROTECTED_RESPONSES,
      },
    },
    config: { permission: 'PUT' },
  }, async (request) => productView(await services.products.update(request.params.id, request.body)));

  api.delete('/products/:id', {
    schema: {
      ...guarded('Delete a product', 'DELETE'),
      params: productParams,
      response: { 204: z.null().describe('Deleted'), 400: badInput, 404: notFound, ...PROTECTED_RESPONSES },
    },
    config: { permission: 'DELETE' },
  }, async (request, reply) => {
    await services.products.delete(request.params.id);
    return reply.code(204).send(null);
  });
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a StockAPI route needs: the one named after its HTTP method. */
    permission?: Permission;
  }
}
