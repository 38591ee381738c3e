export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: any;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or bytes as they are. */
  body?: unknown;
  token?: string;
}

export async function call(baseUrl: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array | undefined;
  if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
    body = options.body;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(baseUrl + path, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export function post(baseUrl: string, path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}) {
  return call(baseUrl, path, { ...options, method: 'POST', body });
}

/** A GraphQL operation over POST, as Apollo's clients send it. */
export function graphql(baseUrl: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  return post(baseUrl, '/graphql', { query, variables }, { token });
}

/** A tRPC query (GET, input in the query string) or mutation (POST, input as the body): no transformer. */
export function trpc(baseUrl: string, kind: 'query' | 'mutation', path: string, input?: unknown, token?: string) {
  if (kind === 'mutation') return post(baseUrl, `/trpc/${path}`, input ?? {}, { token });
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return call(baseUrl, `/trpc/${path}${query}`, { token });
}

/** Logs in through StockAPI's route and returns the token pair. */
export async function login(baseUrl: string, username: string, password: string) {
  const reply = await post(baseUrl, '/login', { username, password });
  if (reply.status !== 200) throw new Error(`login as ${username} failed: ${reply.status} ${reply.text}`);
  return reply.body as { token: string; refreshToken: string; expiresAt: string; user: { id: number; username: string; role: string } };
}
