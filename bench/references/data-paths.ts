import { createServer, type ServerResponse } from 'node:http';
import { publicKey, verifyRs256 } from './token.js';

/**
 * The data paths as a good node:http service would answer them, over a
 * database client handed in (pg's Pool, PGlite's own client): Keyway's
 * routes, the same JSON bodies, the queries those bodies need and no more.
 * The bearer token is checked as Keyway checks it with its token cache: an
 * RS256 signature verified once per token with node:crypto, its expiry on
 * every use, the permission or role from its claims. What it does not do:
 * validate input beyond reading numbers, log, look up revoked sessions
 * (Keyway keeps those in memory too), keep a request id.
 */

export interface Rows {
  query<T>(sql: string, params: unknown[]): Promise<T[]>;
}

interface Claims {
  id: number;
  role: string;
  roles: Record<string, boolean>;
  exp: number;
}

interface ProductRow {
  id: number;
  sku: string;
  name: string;
  description: string;
  price: string;
  stock: number;
  created_at: Date;
  updated_at: Date;
}

interface UserRow {
  id: number;
  username: string;
  disabled: boolean;
  created_at: Date;
  role_name: string;
  permissions: string[];
}

const PRODUCT_COLUMNS = 'id, sku, name, description, price, stock, created_at, updated_at';
const PAGE_OF_PRODUCTS = `select ${PRODUCT_COLUMNS} from products order by id limit $1 offset $2`;
const COUNT_OF_PRODUCTS = 'select count(*) as total from products';
const ONE_PRODUCT = `select ${PRODUCT_COLUMNS} from products where id = $1`;
const USER_COLUMNS = 'u.id, u.username, u.disabled, u.created_at, r.name as role_name, r.permissions from users u join roles r on r.name = u.role_name';
const ONE_USER = `select ${USER_COLUMNS} where u.id = $1`;
const PAGE_OF_USERS = `select ${USER_COLUMNS} order by u.id limit $1 offset $2`;

// Field for field, in order, what Keyway's doors/views.ts answers.
const productView = (row: ProductRow) => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  price: row.price,
  stock: row.stock,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const userView = (row: UserRow) => ({
  id: row.id,
  username: row.username,
  role: { name: row.role_name, permissions: row.permissions },
  disabled: row.disabled,
  createdAt: row.created_at.toISOString(),
});

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

const page = (params: URLSearchParams | Record<string, unknown>) => {
  const get = (name: string) => (params instanceof URLSearchParams ? params.get(name) : params[name]);
  return { limit: Number(get('limit') ?? 50), offset: Number(get('offset') ?? 0) };
};

export function serveDataPaths(db: Rows): void {
  const key = publicKey();
  const verified = new Map<string, Claims>();

  function caller(authorization: string | undefined): Claims | undefined {
    let claims = authorization === undefined ? undefined : verified.get(authorization);
    if (!claims) {
      claims = verifyRs256(authorization, key) as Claims | undefined;
      if (!claims) return undefined;
      if (verified.size >= 10_000) verified.clear();
      verified.set(authorization!, claims);
    }
    return claims.exp * 1000 > Date.now() ? claims : undefined;
  }

  createServer(async (request, response) => {
    try {
      const [path = '', query = ''] = request.url!.split('?', 2);
      const params = new URLSearchParams(query);
      const claims = caller(request.headers.authorization);
      if (!claims) return json(response, 401, { message: 'Token no válido' });

      if (path === '/products' && claims.roles.GET) {
        const { limit, offset } = page(params);
        const [rows, [count]] = await Promise.all([
          db.query<ProductRow>(PAGE_OF_PRODUCTS, [limit, offset]),
          db.query<{ total: number | string }>(COUNT_OF_PRODUCTS, []),
        ]);
        return json(response, 200, rows.map(productView), { 'x-total-count': String(count!.total) });
      }
      if (path.startsWith('/products/') && claims.roles.GET) {
        const [row] = await db.query<ProductRow>(ONE_PRODUCT, [Number(path.slice('/products/'.length))]);
        return row ? json(response, 200, productView(row)) : json(response, 404, { message: 'Producto no encontrado' });
      }
      if (path === '/trpc/auth.me') {
        const [row] = await db.query<UserRow>(ONE_USER, [claims.id]);
        return row ? json(response, 200, { result: { data: userView(row) } }) : json(response, 401, { message: 'User no longer exists' });
      }
      if (path === '/trpc/users.list' && claims.role === 'admin') {
        const { limit, offset } = page(JSON.parse(params.get('input') ?? '{}') as Record<string, unknown>);
        const rows = await db.query<UserRow>(PAGE_OF_USERS, [limit, offset]);
        return json(response, 200, { result: { data: rows.map(userView) } });
      }
      return json(response, 404, { message: 'Not found' });
    } catch (error) {
      console.error(error);
      return json(response, 500, { message: 'Internal error' });
    }
  }).listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
}
