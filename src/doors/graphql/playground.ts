import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

const require = createRequire(import.meta.url);

/** A package's own directory: their `exports` maps hide the UMD builds from `require.resolve`. */
function packageFile(name: string, file: string): string {
  return join(dirname(require.resolve(`${name}/package.json`)), file);
}

/**
 * The playground's files: GraphiQL 3's UMD build (the last GraphiQL with one)
 * over React 18's (React 19 has none), and the page's own script. Nothing is
 * fetched from the internet, so it works offline and under a strict
 * Content-Security-Policy. Each is read when first asked for (1.5 MB a server
 * without a browser on it need not hold), then kept.
 */
function playgroundAssets(): (name: string) => { type: string; body: Buffer } | undefined {
  const js = 'text/javascript; charset=utf-8';
  const here = dirname(fileURLToPath(import.meta.url));
  const files = new Map<string, [() => string, string]>([
    ['react.js', [() => packageFile('react', 'umd/react.production.min.js'), js]],
    ['react-dom.js', [() => packageFile('react-dom', 'umd/react-dom.production.min.js'), js]],
    ['graphiql.js', [() => packageFile('graphiql', 'graphiql.min.js'), js]],
    ['graphiql.css', [() => packageFile('graphiql', 'graphiql.min.css'), 'text/css; charset=utf-8']],
    // Beside this module in src/ and, copied by the build, in dist/.
    ['playground.js', [() => join(here, 'playground', 'playground.js'), js]],
  ]);
  const read = new Map<string, { type: string; body: Buffer }>();
  return (name) => {
    const file = files.get(name);
    if (!file) return undefined;
    let asset = read.get(name);
    if (!asset) read.set(name, (asset = { type: file[1], body: readFileSync(file[0]()) }));
    return asset;
  };
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Keyway · GraphQL</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/graphql/assets/graphiql.css" />
    <style>
      html, body, #graphiql { height: 100%; margin: 0; }
      .keyway-sign-in h2 { margin: 0; }
      .keyway-sign-in label { display: block; margin-top: var(--px-12); }
      .keyway-sign-in input {
        display: block; box-sizing: border-box; width: 100%; margin-top: var(--px-4); padding: var(--px-6) var(--px-8);
        font: inherit; color: inherit; background: hsl(var(--color-base));
        border: 1px solid hsla(var(--color-neutral), var(--alpha-background-heavy)); border-radius: var(--border-radius-4);
      }
      .keyway-sign-in button { margin-top: var(--px-16); }
      .keyway-sign-in [role=status] { margin-top: var(--px-12); }
      .keyway-sign-in .failed { color: hsl(var(--color-error)); }
    </style>
  </head>
  <body>
    <div id="graphiql">Loading the playground…</div>
    <script src="/graphql/assets/react.js"></script>
    <script src="/graphql/assets/react-dom.js"></script>
    <script src="/graphql/assets/graphiql.js"></script>
    <script src="/graphql/assets/playground.js"></script>
  </body>
</html>
`;

// Scripts only from Keyway itself; GraphiQL sets inline styles, so styles may be inline.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** A browser opening /graphql: a GET for HTML that is not itself a GraphQL query. */
export function wantsPlayground(request: FastifyRequest): boolean {
  return (
    request.method === 'GET' &&
    !request.url.includes('query=') &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

export function servePlayground(reply: FastifyReply<any>): void {
  void reply.header('content-security-policy', CSP).type('text/html; charset=utf-8').send(PAGE);
}

/**
 * The playground's files, and the schema's SDL it builds its docs and completion from.
 * The SDL is served to anyone, in every mode: it is `schema.graphql`, already public in the
 * repository, and it lets the playground work where introspection is off (production's
 * default), which stays off for every other client.
 */
export const playgroundFiles: FastifyPluginAsync<{ sdl: () => Promise<string> }> = async (app, { sdl }) => {
  const assets = playgroundAssets();
  app.get('/graphql/schema.graphql', async (_request, reply) =>
    // Revalidated on every load: the schema changes with a deployment, and it is small.
    reply.header('cache-control', 'no-cache').type('text/plain; charset=utf-8').send(await sdl()),
  );
  app.get<{ Params: { file: string } }>('/graphql/assets/:file', async (request, reply) => {
    const asset = assets(request.params.file);
    if (!asset) return reply.code(404).send({ message: 'Not found' });
    return reply.header('cache-control', 'public, max-age=86400').type(asset.type).send(asset.body);
  });
};
