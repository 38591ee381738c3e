import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { call, graphql } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';

// GraphQL loads on the first request that needs it (src/doors/graphql/index.ts): whatever arrives
// while it loads waits for the same load, and is answered as it would be later.
describe('the first GraphQL requests of a server', () => {
  it('all answer, sent together before GraphQL has loaded', async () => {
    const server = await startServer();
    try {
      const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { user { username } } }';
      const [sdl, page, ...answers] = await Promise.all([
        call(server.url, '/graphql/schema.graphql'),
        call(server.url, '/graphql', { headers: { accept: 'text/html' } }),
        graphql(server.url, LOGIN, { u: 'admin', p: ADMIN_PASSWORD }),
        graphql(server.url, '{ me { username } }'),
        graphql(server.url, '{ __typename }'),
      ]);
      expect(sdl.text).toBe(readFileSync('schema.graphql', 'utf8'));
      expect(page.text).toContain('<div id="graphiql">');
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
      expect(answers.map((answer) => answer.body.data ?? answer.body.errors[0].extensions.code)).toEqual([
        { login: { user: { username: 'admin' } } },
        'UNAUTHENTICATED',
        { __typename: 'Query' },
      ]);
    } finally {
      await server.close();
    }
  });
});
