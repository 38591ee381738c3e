// tsc compiles TypeScript only: the playground's browser script and PGlite's worker are copied beside their modules in dist/.
import { cpSync } from 'node:fs';

cpSync('src/doors/graphql/playground', 'dist/src/doors/graphql/playground', { recursive: true });
cpSync('src/db/pglite/worker.mjs', 'dist/src/db/pglite/worker.mjs');
